//! `cairn lsp` driven over stdio as an editor drives it: framed JSON-RPC
//! in, framed JSON-RPC out, against temporary logs.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestRepo, decision, experiment, scope};

const EXP: &str = "research/experiments";
const DEC: &str = "research/decisions";

/// An editor's side of the connection.
struct Editor {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// `publishDiagnostics` notifications received, in order.
    published: Vec<Value>,
    /// Requests from the server to the editor, in order.
    asked: Vec<Value>,
    root: String,
}

fn uri_of(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

impl Editor {
    /// Starts `cairn lsp` in the repository, without initializing it.
    fn spawn(repo: &TestRepo) -> Editor {
        let mut child = repo
            .cairn_cmd(&["lsp"])
            .env("CAIRN_TODAY", "2024-06-01")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cairn lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().expect("a length");
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("a whole body");
                let value: Value = serde_json::from_slice(&body).expect("the server sends JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Editor {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            next_id: 0,
            published: Vec::new(),
            asked: Vec::new(),
            root: uri_of(repo.path()),
        }
    }

    /// Starts and initializes the server.
    fn start(repo: &TestRepo) -> Editor {
        let mut editor = Editor::spawn(repo);
        let root = editor.root.clone();
        let init = editor.request(
            "initialize",
            json!({"processId": null, "rootUri": root, "capabilities": {}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "cairn", "{init}");
        editor.notify("initialized", json!({}));
        editor
    }

    fn write_raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write header");
        stdin.write_all(body).expect("write body");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).expect("JSON");
        self.write_raw(&body);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message from the server; fails the test if none comes
    /// (a guard against a hung server, not a measure of speed).
    fn receive(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(120))
            .expect("the server answered")
    }

    /// Sends a request and returns its response, keeping notifications.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response_to(json!(id))
    }

    fn response_to(&mut self, id: Value) -> Value {
        loop {
            let message = self.receive();
            if message.get("method").is_some() {
                if message["method"] == "textDocument/publishDiagnostics" {
                    self.published.push(message);
                } else if message.get("id").is_some() {
                    self.asked.push(message);
                }
                continue;
            }
            if message["id"] == id {
                return message;
            }
        }
    }

    /// Waits until the server has handled everything sent so far, and
    /// returns the diagnostics published meanwhile as (file name, list).
    fn settle(&mut self) -> Vec<(String, Value)> {
        self.request("cairn/settle", json!({}));
        self.published
            .drain(..)
            .map(|m| {
                let uri = m["params"]["uri"].as_str().expect("uri").to_string();
                let name = uri.rsplit('/').next().expect("name").to_string();
                (name, m["params"]["diagnostics"].clone())
            })
            .collect()
    }

    fn uri(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root)
    }

    fn open(&mut self, repo: &TestRepo, rel: &str) {
        let text = repo.read(rel);
        self.open_text(rel, &text);
    }

    fn open_text(&mut self, rel: &str, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
    }

    /// An incremental edit: replace `line:from..to` (UTF-16 columns) with `text`.
    fn edit(&mut self, rel: &str, version: i32, (line, from, to): (u32, u32, u32), text: &str) {
        self.change(rel, version, (line, from), (line, to), text);
    }

    /// An incremental edit replacing whole lines `from..to` with `text`.
    fn edit_lines(&mut self, rel: &str, version: i32, (from, to): (u32, u32), text: &str) {
        self.change(rel, version, (from, 0), (to, 0), text);
    }

    /// `didChange` replacing the range `start..end` (line, UTF-16 column).
    fn change(&mut self, rel: &str, version: i32, start: (u32, u32), end: (u32, u32), text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {
                    "start": {"line": start.0, "character": start.1},
                    "end": {"line": end.0, "character": end.1}
                }, "text": text}]
            }),
        );
    }

    fn close(&mut self, rel: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    fn at(&self, rel: &str, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": self.uri(rel)}, "position": {"line": line, "character": character}})
    }

    /// Shuts down and exits; returns the exit code.
    fn finish(mut self) -> i32 {
        let answer = self.request("shutdown", Value::Null);
        assert!(answer["result"].is_null(), "{answer}");
        self.notify("exit", Value::Null);
        self.stdin.take();
        let status = self.child.wait().expect("the server exits");
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut stderr).expect("stderr");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        status.code().unwrap_or(-1)
    }
}

/// (code, start line, start character, end line, end character) of each diagnostic.
fn spans(diagnostics: &Value) -> Vec<(String, u64, u64, u64, u64)> {
    diagnostics
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            let r = &d["range"];
            (
                d["code"].as_str().expect("a code").to_string(),
                r["start"]["line"].as_u64().expect("line"),
                r["start"]["character"].as_u64().expect("character"),
                r["end"]["line"].as_u64().expect("line"),
                r["end"]["character"].as_u64().expect("character"),
            )
        })
        .collect()
}

fn find<'a>(published: &'a [(String, Value)], name: &str) -> &'a Value {
    &published
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("nothing published for {name} in {published:#?}"))
        .1
}

/// A committed log: a scope, two experiments (the second's baseline is
/// the first), and a decision pair that disagrees.
fn log() -> TestRepo {
    let mut repo = TestRepo::new();
    repo.write(
        "research/scopes/SCOPE-0001-birds.md",
        scope("SCOPE-0001", "agreed"),
    )
    .write(
        &format!("{EXP}/EXP-0001-mel.md"),
        experiment("EXP-0001", "running").replace(
            "created: 2024-03-01",
            "created: 2024-03-01\nscope: SCOPE-0001\ntags: [audio, birds]",
        ),
    )
    .write(
        &format!("{EXP}/EXP-0002-cnn.md"),
        experiment("EXP-0002", "planned").replace(
            "created: 2024-03-01",
            "created: 2024-03-01\nbaseline: EXP-0001\ntags: [audio]",
        ),
    )
    .write(
        &format!("{DEC}/DEC-0001-mel.md"),
        decision("DEC-0001", "accepted"),
    )
    .write(
        &format!("{DEC}/DEC-0002-cnn.md"),
        decision("DEC-0002", "accepted").replace(
            "created: 2024-03-01",
            "created: 2024-03-01\nsupersedes: [DEC-0001]",
        ),
    );
    repo.commit("the log");
    repo
}

#[test]
fn diagnostics_follow_edits_across_records() {
    let repo = log();
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0001-mel.md");
    editor.open(&repo, &rel);
    let published = editor.settle();
    // The first document opened gets what its own text shows at once, and
    // everything once the log is read: here nothing, twice.
    assert_eq!(
        published,
        [
            ("EXP-0001-mel.md".to_string(), json!([])),
            ("EXP-0001-mel.md".to_string(), json!([]))
        ]
    );

    // `status: running` → `status: runing` (line 4, 0-based 3).
    editor.edit(&rel, 2, (3, 11, 12), "");
    let published = editor.settle();
    let diags = find(&published, "EXP-0001-mel.md");
    assert_eq!(spans(diags), [("schema/enum".into(), 3, 8, 3, 14)]);
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(diags[0]["source"], "cairn");
    let message = diags[0]["message"].as_str().expect("message");
    assert!(message.contains("did you mean `running`?"), "{message}");

    // The id becomes EXP-0002's: both files get ref/duplicate-id on the
    // id value, and EXP-0002's baseline no longer exists.
    editor.edit(&rel, 3, (3, 8, 14), "running");
    editor.edit(&rel, 4, (1, 11, 12), "2");
    let published = editor.settle();
    assert_eq!(
        spans(find(&published, "EXP-0001-mel.md")),
        [("ref/duplicate-id".into(), 1, 4, 1, 12)]
    );
    assert_eq!(
        spans(find(&published, "EXP-0002-cnn.md")),
        [
            ("ref/duplicate-id".into(), 1, 4, 1, 12),
            ("ref/dangling".into(), 5, 10, 5, 18)
        ]
    );

    // Closing the buffer drops the unsaved edit: its findings are cleared
    // and the other record is clean again.
    editor.close(&rel);
    let published = editor.settle();
    assert_eq!(find(&published, "EXP-0001-mel.md"), &json!([]));
    assert_eq!(find(&published, "EXP-0002-cnn.md"), &json!([]));
    assert_eq!(editor.finish(), 0);
}

#[test]
fn a_new_buffer_gets_every_finding_on_its_text() {
    let repo = log();
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0003-new.md");
    editor.open_text(
        &rel,
        "---\nid: EXP-3\ntitle: New\nstatus: planned\ncreated: 2024-13-01\nscope: SCOPE-0404\ncolour: red\nhypothesis: x\n---\n\n## Setup\n\nSee [data](../../data/clips.csv).\n",
    );
    let published = editor.settle();
    assert_eq!(
        spans(find(&published, "EXP-0003-new.md")),
        [
            ("schema/id-format".into(), 1, 4, 1, 9),
            ("schema/type".into(), 4, 9, 4, 19),
            ("ref/dangling".into(), 5, 7, 5, 17),
            ("schema/unknown-field".into(), 6, 0, 6, 6),
            ("link/broken".into(), 12, 11, 12, 31),
        ]
    );
    // Saving refreshes the same findings.
    let uri = editor.uri(&rel);
    editor.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(spans(find(&editor.settle(), "EXP-0003-new.md")).len(), 5);
    editor.finish();
}

fn labels(answer: &Value) -> Vec<String> {
    let items = match &answer["result"] {
        Value::Array(items) => items.clone(),
        other => other["items"].as_array().cloned().unwrap_or_default(),
    };
    let mut items = items;
    items.sort_by(|a, b| a["sortText"].as_str().cmp(&b["sortText"].as_str()));
    items
        .iter()
        .map(|i| i["label"].as_str().expect("label").to_string())
        .collect()
}

#[test]
fn completion_offers_fields_statuses_ids_dates_and_tags() {
    let repo = log();
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0001-mel.md");
    editor.open(&repo, &rel);
    // A new line at the top of the front matter: field names.
    editor.edit(&rel, 2, (1, 0, 0), "ba\n");
    editor.settle();
    let answer = editor.request("textDocument/completion", editor.at(&rel, 1, 2));
    let fields = labels(&answer);
    assert!(fields.contains(&"baseline".to_string()), "{fields:?}");
    assert!(
        !fields.contains(&"status".to_string()),
        "present fields are not offered: {fields:?}"
    );
    let baseline = answer["result"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "baseline")
        .expect("baseline")
        .clone();
    assert_eq!(baseline["textEdit"]["newText"], "baseline: ");
    assert_eq!(baseline["detail"], "the id of an experiment");

    // `status: ` — the committed status is `running`: itself, then the
    // moves allowed from it, then the rest.
    editor.edit_lines(&rel, 3, (1, 2), "");
    let answer = editor.request("textDocument/completion", editor.at(&rel, 3, 8));
    assert_eq!(labels(&answer), ["running", "done", "abandoned", "planned"]);
    let planned = answer["result"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "planned")
        .expect("planned")
        .clone();
    assert_eq!(
        planned["detail"],
        "not allowed from `running` (history/transition)"
    );

    // `scope: SC` offers scopes with their titles, replacing what is typed.
    let answer = editor.request("textDocument/completion", editor.at(&rel, 5, 9));
    assert_eq!(labels(&answer), ["SCOPE-0001"]);
    let item = &answer["result"]["items"][0];
    assert_eq!(item["detail"], "Scope SCOPE-0001");
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": 5, "character": 7})
    );

    // Dates offer today; tags offer those the log uses, the most used first.
    let answer = editor.request("textDocument/completion", editor.at(&rel, 4, 9));
    assert_eq!(labels(&answer), ["2024-06-01"]);
    let answer = editor.request("textDocument/completion", editor.at(&rel, 6, 7));
    assert_eq!(labels(&answer), ["audio", "birds"]);
    // The body gets no completion.
    let answer = editor.request("textDocument/completion", editor.at(&rel, 12, 0));
    assert!(answer["result"].is_null(), "{answer}");

    // An enum field offers its values in the schema's order.
    editor.edit(&rel, 4, (8, 0, 0), "outcome: \n");
    let answer = editor.request("textDocument/completion", editor.at(&rel, 8, 9));
    assert_eq!(labels(&answer), ["supported", "refuted", "inconclusive"]);
    assert_eq!(answer["result"]["isIncomplete"], false);
    editor.finish();
}

#[test]
fn hover_definition_and_references() {
    let repo = log();
    // A record not open in the editor mentions EXP-0001 in its body (and
    // EXP-00011, which is another id).
    let dec = format!("{DEC}/DEC-0001-mel.md");
    let text = repo.read(&dec).replace(
        "We need features.",
        "We need features; EXP-0001 and EXP-00011 say so.",
    );
    repo.write(&dec, text);
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0002-cnn.md");
    editor.open(&repo, &rel);
    // On a key: type and about.
    let answer = editor.request("textDocument/hover", editor.at(&rel, 5, 2));
    let text = answer["result"]["contents"]["value"]
        .as_str()
        .expect("hover")
        .to_string();
    assert!(
        text.starts_with("**`baseline`** — the id of an experiment"),
        "{text}"
    );
    // On an id: title, status and path.
    let answer = editor.request("textDocument/hover", editor.at(&rel, 5, 12));
    let text = answer["result"]["contents"]["value"]
        .as_str()
        .expect("hover")
        .to_string();
    assert_eq!(
        text,
        "**EXP-0001** — Experiment EXP-0001\n\nrunning · experiment · `research/experiments/EXP-0001-mel.md`"
    );
    // On the status value: the allowed moves.
    let answer = editor.request("textDocument/hover", editor.at(&rel, 3, 9));
    let text = answer["result"]["contents"]["value"]
        .as_str()
        .expect("hover")
        .to_string();
    assert_eq!(
        text,
        "From `planned` the status may move to: `running`, `abandoned`."
    );

    // Definition from the front matter and from the body.
    let answer = editor.request("textDocument/definition", editor.at(&rel, 5, 12));
    assert_eq!(
        answer["result"]["uri"],
        editor.uri(&format!("{EXP}/EXP-0001-mel.md"))
    );
    assert_eq!(
        answer["result"]["range"]["start"],
        json!({"line": 1, "character": 4})
    );
    editor.edit(&rel, 2, (14, 0, 0), "Compare with EXP-0001.\n");
    let answer = editor.request("textDocument/definition", editor.at(&rel, 14, 15));
    assert_eq!(
        answer["result"]["uri"],
        editor.uri(&format!("{EXP}/EXP-0001-mel.md"))
    );

    // References to EXP-0001: the baseline here; with the declaration.
    let mut params = editor.at(&rel, 5, 12);
    params["context"] = json!({"includeDeclaration": true});
    let answer = editor.request("textDocument/references", params);
    let found: Vec<(String, u64, u64)> = answer["result"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            (
                l["uri"]
                    .as_str()
                    .expect("uri")
                    .rsplit('/')
                    .next()
                    .expect("name")
                    .to_string(),
                l["range"]["start"]["line"].as_u64().expect("line"),
                l["range"]["start"]["character"]
                    .as_u64()
                    .expect("character"),
            )
        })
        .collect();
    // The declaration, then each record in path order: the mention in
    // DEC-0001's body (on disk), EXP-0002's baseline and the mention just
    // typed in its body. EXP-0001's own heading names itself: not a reference.
    assert_eq!(
        found,
        [
            ("EXP-0001-mel.md".into(), 1, 4),
            ("DEC-0001-mel.md".into(), 13, 18),
            ("EXP-0002-cnn.md".into(), 5, 10),
            ("EXP-0002-cnn.md".into(), 14, 13)
        ]
    );
    // The scope is referred to by EXP-0001 only.
    let scope = "research/scopes/SCOPE-0001-birds.md";
    editor.open(&repo, scope);
    let mut params = editor.at(scope, 1, 6);
    params["context"] = json!({"includeDeclaration": false});
    let answer = editor.request("textDocument/references", params);
    assert_eq!(
        answer["result"].as_array().expect("locations").len(),
        1,
        "{answer}"
    );
    editor.finish();
}

fn actions(editor: &mut Editor, rel: &str, diagnostics: &Value) -> Vec<Value> {
    let range = diagnostics[0]["range"].clone();
    let uri = editor.uri(rel);
    let answer = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": diagnostics}}),
    );
    answer["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn code_actions_apply_the_fixes_findings_name() {
    let repo = log();
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0002-cnn.md");
    editor.open(&repo, &rel);
    // A typo in a status: replace it with the suggestion.
    editor.edit(&rel, 2, (3, 8, 15), "plannd");
    let diags = find(&editor.settle(), "EXP-0002-cnn.md").clone();
    let fixes = actions(&mut editor, &rel, &diags);
    assert_eq!(fixes[0]["title"], "Replace with `planned`");
    let edit = &fixes[0]["edit"]["changes"][editor.uri(&rel)][0];
    assert_eq!(edit["newText"], "planned");
    assert_eq!(edit["range"], diags[0]["range"]);

    // A title holding `: `: quote it.
    editor.edit(&rel, 3, (3, 8, 14), "planned");
    editor.edit(&rel, 4, (2, 7, 7), "CNN: ");
    let diags = find(&editor.settle(), "EXP-0002-cnn.md").clone();
    assert_eq!(spans(&diags)[0].0, "parse/yaml");
    let fixes = actions(&mut editor, &rel, &diags);
    assert_eq!(fixes[0]["title"], "Quote the value of `title`");
    assert_eq!(
        fixes[0]["edit"]["changes"][editor.uri(&rel)][0]["newText"],
        "'CNN: Experiment EXP-0002'"
    );

    // A missing required field: add it with a placeholder.
    editor.edit(&rel, 5, (2, 7, 12), "");
    editor.edit_lines(&rel, 6, (7, 8), "");
    let diags = find(&editor.settle(), "EXP-0002-cnn.md").clone();
    assert_eq!(spans(&diags)[0].0, "schema/missing-field", "{diags}");
    let fixes = actions(&mut editor, &rel, &diags);
    assert_eq!(fixes[0]["title"], "Add `hypothesis: ''`");
    let edit = &fixes[0]["edit"]["changes"][editor.uri(&rel)][0];
    assert_eq!(edit["newText"], "hypothesis: ''\n");

    // DEC-0002 supersedes DEC-0001, which does not say so: the fix sets
    // `superseded_by` in DEC-0001, after its status.
    let dec = format!("{DEC}/DEC-0002-cnn.md");
    editor.open(&repo, &dec);
    let diags = find(&editor.settle(), "DEC-0002-cnn.md").clone();
    assert_eq!(
        spans(&diags),
        [("ref/supersede-mismatch".into(), 5, 13, 5, 21)]
    );
    let fixes = actions(&mut editor, &dec, &diags);
    assert_eq!(
        fixes[0]["title"],
        "Set `superseded_by: DEC-0002` in research/decisions/DEC-0001-mel.md"
    );
    let other = editor.uri(&format!("{DEC}/DEC-0001-mel.md"));
    let edit = &fixes[0]["edit"]["changes"][&other][0];
    assert_eq!(edit["newText"], "superseded_by: DEC-0002\n");
    assert_eq!(edit["range"]["start"], json!({"line": 4, "character": 0}));

    // The other way round: DEC-0002 says DEC-0001 supersedes it, and
    // DEC-0001 has no `supersedes`: the fix adds DEC-0002 to that list.
    editor.edit_lines(&dec, 2, (5, 6), "superseded_by: DEC-0001\n");
    let diags = find(&editor.settle(), "DEC-0002-cnn.md").clone();
    let mismatch: Vec<Value> = diags
        .as_array()
        .expect("a list")
        .iter()
        .filter(|d| d["code"] == "ref/supersede-mismatch")
        .cloned()
        .collect();
    assert_eq!(
        spans(&json!(mismatch)),
        [("ref/supersede-mismatch".into(), 5, 15, 5, 23)]
    );
    let fixes = actions(&mut editor, &dec, &json!(mismatch));
    assert_eq!(
        fixes[0]["title"],
        "Add DEC-0002 to `supersedes` in research/decisions/DEC-0001-mel.md"
    );
    let edit = &fixes[0]["edit"]["changes"][&other][0];
    assert_eq!(edit["newText"], "supersedes: [DEC-0002]\n");
    assert_eq!(edit["range"]["start"], json!({"line": 4, "character": 0}));
    editor.finish();
}

#[test]
fn protocol_errors_are_answered_and_the_server_goes_on() {
    let repo = log();
    let mut editor = Editor::spawn(&repo);
    // Before `initialize`.
    let answer = editor.request("textDocument/hover", json!({}));
    assert_eq!(answer["error"]["code"], -32002);
    let root = editor.root.clone();
    let init = editor.request(
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        2
    );
    // A body that is not JSON, and one that is no message.
    editor.write_raw(b"{\"jsonrpc\": \"2.0\", \"id\": 1,");
    let answer = editor.receive();
    assert_eq!(
        (answer["error"]["code"].clone(), answer["id"].clone()),
        (json!(-32700), Value::Null)
    );
    editor.send(json!({"jsonrpc": "2.0", "id": 99, "method": 7}));
    assert_eq!(editor.response_to(json!(99))["error"]["code"], -32600);
    // An unknown method, and parameters of the wrong shape.
    let answer = editor.request("workspace/symbol", json!({"query": "x"}));
    assert_eq!(answer["error"]["code"], -32601);
    let answer = editor.request("textDocument/hover", json!({"position": "nowhere"}));
    assert_eq!(answer["error"]["code"], -32602);
    // A malformed notification and an unknown one are ignored.
    editor.notify("textDocument/didOpen", json!({"textDocument": 3}));
    editor.notify("$/unknown", json!({}));
    // A document outside the log: no findings, no answers.
    let outside = "notes/todo.md";
    repo.write(outside, "---\nid: nope\n---\n");
    editor.open(&repo, outside);
    assert_eq!(editor.settle(), vec![]);
    let answer = editor.request("textDocument/completion", editor.at(outside, 1, 1));
    assert!(answer["result"].is_null());
    let answer = editor.request("textDocument/hover", json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}}));
    assert!(answer["result"].is_null());
    // A second `initialize` is refused; the session still ends cleanly.
    let again = editor.request("initialize", json!({"processId": null, "capabilities": {}}));
    assert_eq!(again["error"]["code"], -32600);
    assert_eq!(editor.finish(), 0);
}

#[test]
fn exit_without_shutdown_is_exit_code_1() {
    let repo = log();
    let mut editor = Editor::start(&repo);
    editor.notify("exit", Value::Null);
    editor.stdin.take();
    let status = editor.child.wait().expect("the server exits");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn broken_records_of_every_kind_never_stop_the_server() {
    let outside = TestRepo::plain();
    let repo = crate::bad_input::hostile_tree(&outside);
    let mut editor = Editor::start(&repo);
    let expect = [
        ("EXP-0001-canary.md", "schema/enum"),
        // An editor decodes the Latin-1 byte as U+FFFD: the text is then
        // a record without its required fields.
        ("EXP-0002-latin1.md", "schema/missing-field"),
        ("EXP-0003-unterminated.md", "parse/unterminated"),
        ("EXP-0004-scalar.md", "parse/not-mapping"),
        ("EXP-0005-syntax.md", "parse/yaml"),
        ("EXP-0006-duplicate.md", "parse/duplicate-key"),
        ("EXP-0007-empty.md", "parse/no-front-matter"),
        ("EXP-0008-binary.md", "parse/encoding"),
        ("EXP-0010-bomb.md", "parse/yaml"),
        ("EXP-0012-escapes.md", "schema/enum"),
        ("EXP-0013-raw-control.md", "parse/yaml"),
    ];
    for (name, code) in expect {
        let rel = format!("{EXP}/{name}");
        let bytes = repo.read_bytes(&rel);
        // An editor opens what it can decode; a NUL or a stray byte
        // arrives as U+0000 or U+FFFD.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        editor.open_text(&rel, &text);
        let published = editor.settle();
        let codes: Vec<String> = spans(find(&published, name))
            .into_iter()
            .map(|s| s.0)
            .collect();
        let decoded = if code == "parse/encoding" {
            "parse/"
        } else {
            code
        };
        assert!(
            codes.iter().any(|c| c.starts_with(decoded)),
            "{name}: {codes:?}"
        );
        // Every request on the broken buffer is answered.
        for method in [
            "textDocument/completion",
            "textDocument/hover",
            "textDocument/definition",
        ] {
            let answer = editor.request(method, editor.at(&rel, 1, 3));
            assert!(
                answer.get("error").is_none(),
                "{method} on {name}: {answer}"
            );
        }
        editor.edit(&rel, 2, (0, 0, 0), "---\n");
        editor.edit(&rel, 3, (40, 0, 99), "\u{1F426}");
        editor.settle();
    }
    // The symlink out of the repository and the huge file are findings
    // too, and the server still answers after all of it.
    let answer = editor.request(
        "textDocument/hover",
        editor.at(&format!("{EXP}/EXP-0009-outside.md"), 0, 0),
    );
    assert!(answer.get("error").is_none());
    assert_eq!(editor.finish(), 0);
}

#[test]
fn corpus_records_get_the_findings_validate_gives() {
    // Each malformed record of tests/corpus/, opened alone as an unsaved
    // buffer, gets the codes and lines `cairn validate` gives it
    // (expected.tsv); closing it clears them.
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(corpus.join("expected.tsv")).expect("expected.tsv");
    let repo = TestRepo::plain();
    let mut editor = Editor::start(&repo);
    let mut seen = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, _, findings] = fields[..] else {
            panic!("expected.tsv: `{line}`");
        };
        let bytes = std::fs::read(corpus.join("records").join(name)).expect(name);
        let rel = format!("{EXP}/{name}");
        editor.open_text(&rel, &String::from_utf8_lossy(&bytes));
        let published = editor.settle();
        let got: Vec<String> = spans(find(&published, name))
            .into_iter()
            .map(|(code, line, ..)| format!("{code}:{}", line + 1))
            .collect();
        let want: Vec<String> = match findings {
            "-" => Vec::new(),
            list => list.split(' ').map(str::to_string).collect(),
        };
        assert_eq!(got, want, "{name}");
        editor.close(&rel);
        assert_eq!(find(&editor.settle(), name), &json!([]), "{name}");
        seen += 1;
    }
    let files = std::fs::read_dir(corpus.join("records"))
        .expect("records")
        .count();
    assert_eq!(seen, files, "every corpus record is opened");
    assert_eq!(editor.finish(), 0);
}

#[test]
fn practice_findings_move_between_records() {
    // Three running experiments by one author pass the work-in-progress
    // limit (2): the finding sits on the newest, whichever file the edit
    // that caused it was in, and leaves when one of them stops running.
    let repo = log();
    let mut editor = Editor::start(&repo);
    let running = |id: &str| {
        experiment(id, "running").replace(
            "created: 2024-03-01",
            "created: 2024-03-01\nauthors: [Ada Park]",
        )
    };
    let newest = format!("{EXP}/EXP-0005-c.md");
    editor.open_text(&newest, &running("EXP-0005"));
    editor.open_text(&format!("{EXP}/EXP-0003-a.md"), &running("EXP-0003"));
    let second = format!("{EXP}/EXP-0004-b.md");
    editor.open_text(&second, &running("EXP-0004"));
    let published = editor.settle();
    let diags = find(&published, "EXP-0005-c.md");
    assert_eq!(spans(diags), [("wip/limit".into(), 3, 0, 3, 15)]);
    assert_eq!(diags[0]["severity"], 2);
    let message = diags[0]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Ada Park has 3 running experiments (EXP-0003, EXP-0004, EXP-0005)"),
        "{message}"
    );
    // `running` → `planned` in EXP-0004 (line 4): EXP-0005 is clean again.
    editor.edit(&second, 2, (3, 8, 15), "planned");
    let published = editor.settle();
    assert_eq!(find(&published, "EXP-0004-b.md"), &json!([]));
    assert_eq!(find(&published, "EXP-0005-c.md"), &json!([]));
    assert_eq!(editor.finish(), 0);
}

#[test]
fn the_first_document_gets_its_own_findings_before_the_log_is_read() {
    // Opened before the log is read, a record gets its parse and schema
    // findings first, then every finding `validate` gives it.
    let repo = log();
    let mut editor = Editor::start(&repo);
    let rel = format!("{EXP}/EXP-0003-new.md");
    editor.open_text(
        &rel,
        &experiment("EXP-0003", "runing").replace(
            "created: 2024-03-01",
            "created: 2024-03-01\nscope: SCOPE-0404",
        ),
    );
    let published = editor.settle();
    let codes: Vec<Vec<String>> = published
        .iter()
        .map(|(name, diags)| {
            assert_eq!(name, "EXP-0003-new.md");
            spans(diags).into_iter().map(|s| s.0).collect()
        })
        .collect();
    assert_eq!(
        codes,
        [
            vec!["schema/enum".to_string()],
            vec!["schema/enum".to_string(), "ref/dangling".to_string()]
        ]
    );
    assert_eq!(editor.finish(), 0);
}

#[test]
fn files_changed_on_disk_are_read_again() {
    // An editor that watches files for the server is asked to; a record
    // removed or added on disk then changes the findings of those naming it.
    let repo = log();
    let mut editor = Editor::spawn(&repo);
    let root = editor.root.clone();
    editor.request(
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        }}),
    );
    editor.notify("initialized", json!({}));
    let rel = format!("{EXP}/EXP-0002-cnn.md");
    editor.open(&repo, &rel);
    editor.settle();
    assert_eq!(editor.asked.len(), 1, "{:?}", editor.asked);
    let asked = &editor.asked[0];
    assert_eq!(asked["method"], "client/registerCapability");
    let registration = &asked["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.md"
    );
    let id = asked["id"].clone();
    editor.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));

    // EXP-0001, EXP-0002's baseline, is deleted.
    let gone = format!("{EXP}/EXP-0001-mel.md");
    std::fs::remove_file(repo.path().join(&gone)).expect("remove");
    let uri = editor.uri(&gone);
    editor.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 3}]}),
    );
    let published = editor.settle();
    assert_eq!(find(&published, "EXP-0001-mel.md"), &json!([]));
    assert_eq!(
        spans(find(&published, "EXP-0002-cnn.md")),
        [("ref/dangling".into(), 5, 10, 5, 18)]
    );
    // A new file takes the id: the baseline resolves again.
    let new = format!("{EXP}/EXP-0001-again.md");
    repo.write(&new, experiment("EXP-0001", "done"));
    let uri = editor.uri(&new);
    editor.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 1}]}),
    );
    let published = editor.settle();
    assert_eq!(find(&published, "EXP-0002-cnn.md"), &json!([]));
    assert_eq!(find(&published, "EXP-0001-again.md"), &json!([]));

    // Find references reads the files on disk once; one that changes is
    // read again.
    let references = |editor: &mut Editor| {
        let mut params = editor.at(&rel, 5, 12);
        params["context"] = json!({"includeDeclaration": false});
        let answer = editor.request("textDocument/references", params);
        answer["result"]
            .as_array()
            .expect("locations")
            .iter()
            .map(|l| {
                let uri = l["uri"].as_str().expect("uri");
                let name = uri.rsplit('/').next().expect("name").to_string();
                (name, l["range"]["start"]["line"].as_u64().expect("line"))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(references(&mut editor), [("EXP-0002-cnn.md".into(), 5)]);
    let dec = format!("{DEC}/DEC-0001-mel.md");
    repo.write(
        &dec,
        repo.read(&dec)
            .replace("We need features.", "EXP-0001 showed it."),
    );
    let uri = editor.uri(&dec);
    editor.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    editor.settle();
    assert_eq!(
        references(&mut editor),
        [
            ("DEC-0001-mel.md".into(), 13),
            ("EXP-0002-cnn.md".into(), 5)
        ]
    );
    assert_eq!(editor.finish(), 0);
}
