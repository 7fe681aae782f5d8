//! The command line: global flags, subcommands and their options.
//! Every `///` comment here is `--help` text.

use std::path::PathBuf;

use cairn::render::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep an ML team's research honest: scopes, experiment specs and decision
/// logs as Markdown files with YAML front matter, next to the code, in git.
///
/// Records live under `research/` (one folder per kind) unless
/// `.cairn/config.yaml` says otherwise. Start with `cairn init`, write a
/// record with `cairn new experiment "Mel features beat MFCC"`, and check
/// the log with `cairn validate`.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, max_term_width = 100)]
pub(crate) struct Cli {
    /// Run as if cairn was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// Use this configuration file instead of `.cairn/config.yaml`.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Neither read nor write the cache in `.git/cairn/`: history, parsed records, last answers.
    ///
    /// The cache only saves time: results are the same without it. Also set
    /// by `CAIRN_NO_CACHE=1`.
    #[arg(long, global = true, env = "CAIRN_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) no_cache: bool,

    /// When to colour output (`auto` honours NO_COLOR and colours only a terminal).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,

    /// The subcommand.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// cairn's subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write `.cairn/config.yaml` (the built-in schema, commented) and the record folders.
    ///
    /// Refuses to overwrite an existing configuration.
    Init(InitArgs),
    /// Create a record from its kind's template with the next free id.
    ///
    /// The id is one past the highest of the kind in the working tree and in
    /// every local and remote-tracking branch, so two branches rarely take
    /// the same number. Prints the new file's path, e.g. for
    /// `$EDITOR "$(cairn new experiment 'Mel features')"`.
    New(NewArgs),
    /// Check records against the schema: fields, types, statuses, sections,
    /// references, links — and with `--base`, what this branch changed.
    ///
    /// Exit status: 0 when no errors were found (warnings allowed), 1 when
    /// errors were found, 2 when cairn could not run the check.
    Validate(ValidateArgs),
    /// Show what changed in the research log between two snapshots, record by record.
    ///
    /// No argument: HEAD against the working tree. One: REV against the
    /// working tree. Two, or `A..B`: A against B. `A...B`: the merge base of
    /// A and B against B (what a pull request changes).
    Diff(DiffArgs),
    /// Show the history of one record through every commit that changed it,
    /// following renames and moves by id.
    Log(LogArgs),
    /// Summarize the research log at a revision: counts, open scopes, recent
    /// decisions, experiments against their baselines, stale work, time in
    /// each status.
    Summary(SummaryArgs),
    /// List records, filtered and sorted.
    List(ListArgs),
    /// Edit front matter values of one record in place.
    ///
    /// `cairn set EXP-0002 status=done outcome=supported metrics.recall=0.83`
    /// changes only those values' bytes (comments, order and quoting
    /// elsewhere stay), adds keys that are missing, and `tags+=audio` appends
    /// to a list. Values are YAML scalars: `0.83` is a number, `true` a
    /// boolean, anything else the text written. The result is checked
    /// against the schema and the transitions from the current status;
    /// a change that breaks them is refused (exit 2, nothing written)
    /// unless `--force` is given.
    Set(SetArgs),
    /// Show the schema of each kind's front matter: fields, statuses, rules.
    ///
    /// `--format json-schema` prints JSON Schema (draft 2020-12) for editors
    /// and `check-jsonschema`, e.g.
    /// `cairn schema experiment --format json-schema > experiment.schema.json`.
    Schema(SchemaArgs),
    /// Print a shell completion script.
    ///
    /// For bash: `cairn completions bash > ~/.local/share/bash-completion/completions/cairn`;
    /// see docs/install.md for the other shells.
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `cairn man > ~/.local/share/man/man1/cairn.1`.
    Man(ManArgs),
    /// Write or refresh the Markdown index of the log (default `research/README.md`).
    ///
    /// The index — a table per kind with id, title, status, date and links,
    /// milestones with their progress, superseded decisions struck through —
    /// goes between the lines `<!-- cairn:index:start -->` and
    /// `<!-- cairn:index:end -->`; the rest of the file is left as it is.
    /// Without markers, the block is appended. Set the file with `index:` in
    /// `.cairn/config.yaml`.
    ///
    /// Exit status with `--check`: 0 when the index is up to date, 1 when
    /// it is stale (for CI and pre-commit hooks).
    Index(IndexArgs),
    /// Write the whole log as one self-contained HTML page (default `cairn-report.html`).
    ///
    /// Every record rendered from its Markdown, the decision graph,
    /// experiments against their baselines as SVG charts, the timeline of
    /// status changes from git history, milestones and their progress, what
    /// is due for review and what is stale, and a filter by kind, status,
    /// tag and author. Nothing is fetched when it is opened; it reads with
    /// JavaScript off (the filter needs it). Publish it from CI, e.g. to
    /// GitHub Pages. An existing file is replaced only if cairn wrote it.
    Report(ReportArgs),
    /// Run a Language Server Protocol server on stdin and stdout, for editors.
    ///
    /// While a record is written the editor shows every finding `validate`
    /// gives for it (and for the records the edit affects), completes field
    /// names, statuses, ids and tags, explains a field or an id on hover,
    /// jumps from an id to its record and lists the records that name it,
    /// and offers the fixes the findings name. The log is the working tree
    /// with unsaved buffers laid over it. Setup for VS Code, Neovim, Helix
    /// and Zed: docs/editors.md.
    Lsp(LspArgs),
}

/// Options of `cairn report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The file to write.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "cairn-report.html"
    )]
    pub(crate) output: PathBuf,
    /// The revision to report on.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub(crate) rev: String,
    /// Running work with no commit for this many days is stale.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub(crate) stale_days: u32,
    /// Follow merged branches too, not only first parents.
    #[arg(long)]
    pub(crate) all_parents: bool,
}

/// Options of `cairn index`.
#[derive(Debug, Args)]
pub(crate) struct IndexArgs {
    /// Write nothing; exit 1 if the index is stale.
    #[arg(long)]
    pub(crate) check: bool,
}

/// Options of `cairn init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {}

/// Options of `cairn new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The kind of record: experiment, scope, decision, or a kind of your configuration.
    pub(crate) kind: String,
    /// The record's title, e.g. "Mel features beat MFCC on noisy clips".
    pub(crate) title: String,
    /// Mark this decision superseded by the new one (sets its `status` and
    /// `superseded_by`, changing only those lines).
    #[arg(long, value_name = "ID")]
    pub(crate) supersedes: Option<String>,
    /// The `created` date to write instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub(crate) date: Option<String>,
}

/// Output formats of `validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ValidateFormat {
    /// Compiler-style text grouped by file, with a count at the end.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), annotating the pull request.
    Github,
    /// SARIF 2.1.0, for code-scanning tools (e.g. `github/codeql-action/upload-sarif`).
    Sarif,
}

/// Options of `cairn validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Report only on these files or folders (all records are still read, for cross-record checks).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Validate the snapshot of this revision instead of the working tree.
    #[arg(long, value_name = "REV", conflicts_with = "cached")]
    pub(crate) rev: Option<String>,
    /// Validate the index (staged changes), e.g. in a pre-commit hook.
    #[arg(long)]
    pub(crate) cached: bool,
    /// Also apply the history rules to what changed since the merge base of REV and HEAD
    /// (status transitions, frozen parts, id changes, ids another branch took).
    #[arg(long, value_name = "REV")]
    pub(crate) base: Option<String>,
    /// With --base: report only findings that do not exist at the merge base
    /// (matched by record, code and field or section, not by line), and every
    /// history finding. Old findings are counted, not shown.
    #[arg(long, requires = "base")]
    pub(crate) new: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub(crate) format: ValidateFormat,
    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Readable text, coloured on a terminal.
    Text,
    /// A pull-request comment (starts with `<!-- cairn:diff -->`, stays under 65,536 characters).
    Markdown,
    /// One JSON document (see docs/json.md).
    Json,
}

/// Options of `cairn diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// Revisions: none, `REV`, `A B`, `A..B` or `A...B`.
    #[arg(value_name = "REV", num_args = 0..=2)]
    pub(crate) revs: Vec<String>,
    /// Compare with the index (staged changes) instead of the working tree.
    #[arg(long)]
    pub(crate) cached: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub(crate) format: DiffFormat,
    /// Exit 1 when something changed (like `git diff --exit-code`).
    #[arg(long)]
    pub(crate) exit_code: bool,
}

/// Output formats of `log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Readable text.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
}

/// Options of `cairn log`.
#[derive(Debug, Args)]
pub(crate) struct LogArgs {
    /// The record's id, e.g. DEC-0004.
    pub(crate) id: String,
    /// The revision to start from.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub(crate) rev: String,
    /// Also list commits whose message names the id (a trailer `Refs: EXP-0012` or a mention).
    #[arg(long)]
    pub(crate) code: bool,
    /// Show section diffs of each change.
    #[arg(long, short = 'p')]
    pub(crate) patch: bool,
    /// Follow merged branches too, not only first parents.
    #[arg(long)]
    pub(crate) all_parents: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) format: LogFormat,
}

/// Output formats of `summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SummaryFormat {
    /// Markdown for `$GITHUB_STEP_SUMMARY`, with Mermaid diagrams.
    Markdown,
    /// Readable text.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
}

/// Options of `cairn summary`.
#[derive(Debug, Args)]
pub(crate) struct SummaryArgs {
    /// The revision to summarize.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub(crate) rev: String,
    /// Add what changed since this date (YYYY-MM-DD) or for this long before today
    /// (`7d`, `2w`, `1m`: days, weeks, months; today is CAIRN_TODAY when set).
    #[arg(long, value_name = "DATE|SPAN", conflicts_with = "range")]
    pub(crate) since: Option<String>,
    /// Add what changed in this span (`A..B` or `A...B`).
    #[arg(long, value_name = "A..B")]
    pub(crate) range: Option<String>,
    /// Running work with no commit for this many days is stale.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub(crate) stale_days: u32,
    /// Follow merged branches too, not only first parents.
    #[arg(long)]
    pub(crate) all_parents: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Markdown)]
    pub(crate) format: SummaryFormat,
}

/// Output formats of `list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// Aligned columns, cut to the terminal's width.
    Table,
    /// One JSON document (see docs/json.md).
    Json,
    /// One path per line, for xargs.
    Paths,
}

/// Options of `cairn lsp`.
#[derive(Debug, Args)]
pub(crate) struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub(crate) stdio: bool,
}

/// Options of `cairn list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only records of this kind (repeatable).
    #[arg(long, value_name = "KIND")]
    pub(crate) kind: Vec<String>,
    /// Only records with this status (repeatable).
    #[arg(long, value_name = "STATUS")]
    pub(crate) status: Vec<String>,
    /// Only records with this tag (repeatable: all must match).
    #[arg(long, value_name = "TAG")]
    pub(crate) tag: Vec<String>,
    /// Only records where FIELD=VALUE, FIELD!=VALUE, FIELD>N or FIELD<N (numbers and dates);
    /// nested keys with dots: `metrics.recall>0.8`. Repeatable: all must match.
    #[arg(long = "where", value_name = "COND")]
    pub(crate) conditions: Vec<String>,
    /// Sort by this field (`id`, `created`, `status`, `title`, `metrics.recall`, …); prefix `-` for descending.
    #[arg(
        long,
        value_name = "FIELD",
        default_value = "id",
        allow_hyphen_values = true
    )]
    pub(crate) sort: String,
    /// List the records of this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub(crate) rev: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
    /// Paths ending in a NUL byte instead of a line break, exactly as they
    /// are (implies `--format paths`): `cairn list -z | xargs -0 …`.
    /// Without it, a path holding a line break, tab, quote or backslash is
    /// printed in double quotes with C escapes, as git does.
    #[arg(short = 'z', long = "null")]
    pub(crate) null: bool,
}

/// Output formats of `schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaFormat {
    /// Readable text.
    Text,
    /// JSON Schema (draft 2020-12) of the front matter.
    JsonSchema,
}

/// Options of `cairn schema`.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Show only this kind (all kinds when absent).
    pub(crate) kind: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SchemaFormat::Text)]
    pub(crate) format: SchemaFormat,
}

/// Options of `cairn completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Options of `cairn man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {}

/// Options of `cairn set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The record's id, e.g. EXP-0002.
    pub(crate) id: String,
    /// `KEY=VALUE` (dotted keys reach into mappings: `metrics.recall=0.83`)
    /// or `KEY+=VALUE` (append to a list: `tags+=audio`).
    #[arg(value_name = "KEY=VALUE", required = true)]
    pub(crate) assignments: Vec<String>,
    /// Write the change even when it breaks the schema or the transitions.
    #[arg(long)]
    pub(crate) force: bool,
    /// Show what would change, and write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap's own consistency checks: ids, conflicts, defaults, help.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

/// Each command's formats name the renderers' formats they offer.
macro_rules! formats {
    ($($command:ident { $($variant:ident => $format:ident),* })*) => {$(
        impl From<$command> for Format {
            fn from(format: $command) -> Format {
                match format {
                    $($command::$variant => Format::$format),*
                }
            }
        }
    )*};
}

formats! {
    ValidateFormat { Text => Text, Json => Json, Github => Github, Sarif => Sarif }
    DiffFormat { Text => Text, Markdown => Markdown, Json => Json }
    LogFormat { Text => Text, Json => Json }
    SummaryFormat { Markdown => Markdown, Text => Text, Json => Json }
    ListFormat { Table => Text, Json => Json, Paths => Paths }
    SchemaFormat { Text => Text, JsonSchema => Json }
}
