//! `cairn schema`: the schema in force, readable or as JSON Schema.

use std::io::Write;

use anyhow::Result;
use cairn::{json_schema, render};

use super::{Ctx, Outcome};
use crate::cli::{SchemaArgs, SchemaFormat};

/// Runs `cairn schema`.
pub(crate) fn run(ctx: &Ctx, args: &SchemaArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let schema = &ws.schema;
    let kind = match &args.kind {
        Some(name) => Some(schema.kind_named(name)?),
        None => None,
    };
    match (args.format, kind) {
        (SchemaFormat::Text, Some(kind)) => render::schema_text::write(out, &[kind])?,
        (SchemaFormat::Text, None) => {
            render::schema_text::write(out, &schema.kinds.iter().collect::<Vec<_>>())?
        }
        (SchemaFormat::JsonSchema, Some(kind)) => {
            render::json(out, &json_schema::for_kind(schema, kind))?
        }
        (SchemaFormat::JsonSchema, None) => render::json(out, &json_schema::for_schema(schema))?,
    }
    Ok(Outcome::Clean)
}
