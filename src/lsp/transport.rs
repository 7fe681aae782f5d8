//! The base protocol: `Content-Length` framed JSON-RPC messages.
//!
//! cairn frames its input itself rather than through `lsp-server`'s stdio
//! transport, which ends the session on the first body that is not a
//! message: a body that is not JSON, or not a request, must get the
//! protocol's error and leave the server running.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{ErrorCode, Message};

/// A message body larger than this is skipped, not read into memory.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What the next frame of the input holds.
pub(crate) enum Incoming {
    /// A request, response or notification.
    Message(Message),
    /// A frame that is not a message, and the error to answer it with
    /// (`None`: answer nothing, e.g. for a stray header).
    Invalid(Option<serde_json::Value>),
    /// The input ended.
    End,
}

/// Reads the next frame.
pub(crate) fn read(input: &mut dyn BufRead) -> io::Result<Incoming> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(Incoming::End);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        return Ok(Incoming::Invalid(None));
    };
    if length > MAX_BODY {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Incoming::Invalid(Some(error(
            serde_json::Value::Null,
            ErrorCode::InvalidRequest,
            "message too large",
        ))));
    }
    let mut body = vec![0; length];
    if input.read_exact(&mut body).is_err() {
        return Ok(Incoming::End);
    }
    Ok(parse(&body))
}

fn parse(body: &[u8]) -> Incoming {
    if let Ok(message) = serde_json::from_slice::<Message>(body) {
        return Incoming::Message(message);
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Err(err) => Incoming::Invalid(Some(error(
            serde_json::Value::Null,
            ErrorCode::ParseError,
            &format!("the message is not JSON: {err}"),
        ))),
        Ok(value) => {
            // A JSON object that is no request: answer a request id it
            // carries; a malformed notification gets no answer.
            let id = value.get("id").cloned().unwrap_or_default();
            if value.get("method").is_some() && id.is_null() {
                return Incoming::Invalid(None);
            }
            Incoming::Invalid(Some(error(
                id,
                ErrorCode::InvalidRequest,
                "the message is not a JSON-RPC request, response or notification",
            )))
        }
    }
}

fn error(id: serde_json::Value, code: ErrorCode, message: &str) -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code as i32, "message": message},
    })
}

/// Writes one message.
pub(crate) fn write(output: &mut dyn Write, message: Message) -> io::Result<()> {
    let mut out = io::BufWriter::new(output);
    message.write(&mut out)?;
    out.flush()
}

/// Writes a raw JSON-RPC value (an error answer with no request id).
pub(crate) fn write_value(output: &mut dyn Write, value: &serde_json::Value) -> io::Result<()> {
    let body = serde_json::to_string(value)?;
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn reads_messages_and_answers_bad_bodies() {
        let mut input = frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#);
        input.extend(frame("{not json"));
        input.extend(frame(r#"{"jsonrpc":"2.0","id":7,"method":3}"#));
        input.extend(b"X-Junk: 1\r\n\r\n");
        let mut reader = &input[..];
        assert!(matches!(
            read(&mut reader).unwrap(),
            Incoming::Message(Message::Request(_))
        ));
        let Incoming::Invalid(Some(err)) = read(&mut reader).unwrap() else {
            panic!("expected a parse error")
        };
        assert_eq!(err["error"]["code"], -32700);
        assert!(err["id"].is_null());
        let Incoming::Invalid(Some(err)) = read(&mut reader).unwrap() else {
            panic!("expected an invalid request")
        };
        assert_eq!(
            (err["id"].as_i64(), err["error"]["code"].as_i64()),
            (Some(7), Some(-32600))
        );
        assert!(matches!(
            read(&mut reader).unwrap(),
            Incoming::Invalid(None)
        ));
        assert!(matches!(read(&mut reader).unwrap(), Incoming::End));
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        let input = b"Content-Length: 100\r\n\r\n{}";
        assert!(matches!(read(&mut &input[..]).unwrap(), Incoming::End));
    }
}
