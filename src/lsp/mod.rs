//! `cairn lsp`: a Language Server Protocol server, so that a record is
//! checked and completed while it is written.
//!
//! The server answers `initialize` once the configuration is read, and
//! reads the records on a second thread (`workspace`); the first message that needs
//! them waits for them (a document opened meanwhile first gets what its
//! own text shows). From then on it is synchronous: it reads one message,
//! answers it, and publishes the findings it changed before reading the
//! next. A keystroke re-parses one record and re-checks the records its
//! old and new id involve, on the log held in memory (`log`); every
//! finding is one `validate` gives, placed on the exact text it is about
//! (`ranges`). No input ends the session
//! but `exit` or the end of the input stream: a malformed message gets the
//! protocol's error, a document outside the log gets nothing.

mod actions;
mod complete;
mod log;
mod navigate;
mod ranges;
mod text;
mod transport;
mod workspace;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::str::FromStr;

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeParams, InitializeResult, OneOf, PublishDiagnosticsParams,
    SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::de::DeserializeOwned;

use self::log::Log;
use self::transport::Incoming;
use self::workspace::Workspace;
use crate::config::ConfigError;
use crate::snapshot::Snapshot;

/// How the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`, as the protocol asks.
    Clean,
    /// `exit` without `shutdown`, or the input ended first.
    Abrupt,
}

/// Where the server looks for the log when the editor names no folder.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder the server was started in.
    pub start: PathBuf,
    /// `--config`: a configuration file instead of `.cairn/config.yaml`.
    pub config: Option<PathBuf>,
}

enum State {
    Uninitialized,
    /// `initialize` is answered; the records are read in the background.
    Loading(
        Box<Workspace>,
        std::thread::JoinHandle<Result<Snapshot, ConfigError>>,
    ),
    Running(Box<Log>),
    /// The records could not be read: every request gets this message.
    Failed(String),
    ShutDown,
}

/// Serves one editor over `input` and `output` until `exit`.
pub fn serve(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    options: &Options,
) -> io::Result<Ending> {
    let mut server = Server {
        state: State::Uninitialized,
        options: options.clone(),
        output,
        watches_files: false,
    };
    loop {
        match transport::read(input)? {
            Incoming::End => return Ok(Ending::Abrupt),
            Incoming::Invalid(None) => {}
            Incoming::Invalid(Some(answer)) => transport::write_value(server.output, &answer)?,
            Incoming::Message(Message::Request(request)) => server.request(request)?,
            Incoming::Message(Message::Response(_)) => {}
            Incoming::Message(Message::Notification(n)) if n.method == notif::Exit::METHOD => {
                return Ok(match server.state {
                    State::ShutDown => Ending::Clean,
                    _ => Ending::Abrupt,
                });
            }
            Incoming::Message(Message::Notification(n)) => server.notification(n)?,
        }
    }
}

struct Server<'o> {
    state: State,
    options: Options,
    output: &'o mut dyn Write,
    /// Whether the editor watches files for the server when asked to.
    watches_files: bool,
}

/// A request's failure, answered as a JSON-RPC error.
struct Failure(ErrorCode, String);

impl Server<'_> {
    /// The log, once its records are read (waiting for them if need be).
    fn log(&mut self) -> Option<&mut Log> {
        if matches!(self.state, State::Loading(..)) {
            let State::Loading(workspace, loading) =
                std::mem::replace(&mut self.state, State::Uninitialized)
            else {
                return None;
            };
            self.state = match loading.join() {
                Ok(Ok(snapshot)) => State::Running(Box::new(workspace.with(snapshot))),
                Ok(Err(err)) => State::Failed(format!("cairn cannot read the log: {err}")),
                Err(_) => State::Failed("cairn failed while reading the log".into()),
            };
        }
        match &mut self.state {
            State::Running(log) => Some(log),
            _ => None,
        }
    }

    fn send(&mut self, message: impl Into<Message>) -> io::Result<()> {
        transport::write(self.output, message.into())
    }

    fn request(&mut self, request: Request) -> io::Result<()> {
        let id = request.id.clone();
        let result = self.answer(request);
        let response = match result {
            Ok(value) => Response {
                id,
                response_result: Ok(value),
            },
            Err(Failure(code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(response)
    }

    fn answer(&mut self, request: Request) -> Result<serde_json::Value, Failure> {
        let method = request.method.as_str();
        if matches!(self.state, State::Uninitialized) && method == req::Initialize::METHOD {
            let params: InitializeParams = params(request.params)?;
            self.watches_files = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false);
            let workspace = Workspace::open(
                &workspace_folder(&params).unwrap_or_else(|| self.options.start.clone()),
                self.options.config.as_deref(),
            )
            .map_err(|err| {
                Failure(
                    ErrorCode::RequestFailed,
                    format!("cairn cannot read its configuration: {err}"),
                )
            })?;
            // The editor goes on while the records are read; the first
            // message that needs them waits for them.
            let loading = std::thread::Builder::new()
                .name("cairn-load".into())
                .spawn(workspace.reader())
                .map_err(|err| Failure(ErrorCode::InternalError, err.to_string()))?;
            self.state = State::Loading(Box::new(workspace), loading);
            return to_value(initialize_result());
        }
        self.log();
        let log = match &mut self.state {
            State::Failed(message) => {
                return Err(Failure(ErrorCode::RequestFailed, message.clone()));
            }
            State::Uninitialized | State::Loading(..) => {
                return Err(Failure(
                    ErrorCode::ServerNotInitialized,
                    "the server is not initialized yet; send `initialize` first".into(),
                ));
            }
            State::ShutDown => {
                return Err(Failure(
                    ErrorCode::InvalidRequest,
                    "the server is shut down; send `exit`".into(),
                ));
            }
            State::Running(log) => log,
        };
        match method {
            req::Initialize::METHOD => Err(Failure(
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )),
            req::Shutdown::METHOD => {
                self.state = State::ShutDown;
                Ok(serde_json::Value::Null)
            }
            req::Completion::METHOD => to_value(complete::completion(log, params(request.params)?)),
            req::HoverRequest::METHOD => to_value(navigate::hover(log, params(request.params)?)),
            req::GotoDefinition::METHOD => {
                to_value(navigate::definition(log, params(request.params)?))
            }
            req::References::METHOD => to_value(navigate::references(log, params(request.params)?)),
            req::CodeActionRequest::METHOD => {
                to_value(actions::code_actions(log, params(request.params)?))
            }
            other => Err(Failure(
                ErrorCode::MethodNotFound,
                format!("cairn does not handle `{other}`"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) -> io::Result<()> {
        if let State::Loading(workspace, _) = &self.state {
            // A document opened while the log is read gets at once what
            // its own text shows; the rest follows when the log is there.
            if n.method == notif::DidOpenTextDocument::METHOD {
                if let Ok(p) = params::<lsp_types::DidOpenTextDocumentParams>(n.params.clone()) {
                    let doc = p.text_document;
                    let first = text::uri_to_path(doc.uri.as_str())
                        .and_then(|path| workspace.relative(&path))
                        .map(|rel| workspace.first_look(&rel, &doc.text));
                    if let Some(found) = first {
                        let diagnostics =
                            found.iter().map(|f| ranges::to_lsp(&doc.text, f)).collect();
                        self.send(publish(doc.uri, diagnostics, Some(doc.version)))?;
                    }
                }
            }
        }
        let documents = [
            notif::DidOpenTextDocument::METHOD,
            notif::DidChangeTextDocument::METHOD,
            notif::DidSaveTextDocument::METHOD,
            notif::DidCloseTextDocument::METHOD,
        ];
        if n.method == notif::Initialized::METHOD && self.watches_files {
            return self.watch_files();
        }
        // Others (`$/cancelRequest`, …) need no answer and do not wait for
        // the log.
        if !documents.contains(&n.method.as_str())
            && n.method != notif::DidChangeWatchedFiles::METHOD
        {
            return Ok(());
        }
        let Some(log) = self.log() else {
            return Ok(());
        };
        let (publish_files, closed) = match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidOpenTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let Some(rel) = relative(log, &p.text_document.uri) else {
                    return Ok(());
                };
                let doc = p.text_document;
                (log.open(&rel, doc.uri, doc.text, doc.version), None)
            }
            notif::DidChangeTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let Some(rel) = relative(log, &p.text_document.uri) else {
                    return Ok(());
                };
                let Some(doc) = log.docs.get_mut(&rel) else {
                    return Ok(());
                };
                for change in &p.content_changes {
                    text::apply_change(&mut doc.text, change);
                }
                doc.version = p.text_document.version;
                (log.update(&rel, false), None)
            }
            notif::DidSaveTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidSaveTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let Some(rel) = relative(log, &p.text_document.uri) else {
                    return Ok(());
                };
                if let (Some(text), Some(doc)) = (p.text, log.docs.get_mut(&rel)) {
                    doc.text = text;
                }
                (log.update(&rel, true), None)
            }
            notif::DidChangeWatchedFiles::METHOD => {
                // Files changed on disk (a checkout, `cairn new` in a
                // terminal): each record file is read again.
                let Ok(p) = params::<lsp_types::DidChangeWatchedFilesParams>(n.params) else {
                    return Ok(());
                };
                let mut files: Vec<String> = Vec::new();
                for change in p.changes {
                    if let Some(rel) = relative(log, &change.uri) {
                        for file in log.reload(&rel) {
                            if !files.contains(&file) {
                                files.push(file);
                            }
                        }
                    }
                }
                (files, None)
            }
            notif::DidCloseTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let Some(rel) = relative(log, &p.text_document.uri) else {
                    return Ok(());
                };
                (log.close(&rel), Some(p.text_document.uri))
            }
            _ => return Ok(()),
        };
        match closed {
            // A closed file's findings are cleared; the others it changed
            // are published.
            Some(uri) => {
                self.send(publish(uri, Vec::new(), None))?;
                self.publish_all(publish_files.get(1..).unwrap_or_default())
            }
            None => self.publish_all(&publish_files),
        }
    }

    /// Asks the editor to tell the server when Markdown files change on
    /// disk; the answer needs no handling.
    fn watch_files(&mut self) -> io::Result<()> {
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String("**/*.md".into()),
                kind: None,
            }],
        };
        let registration = lsp_types::Registration {
            id: "cairn-watch-records".into(),
            method: notif::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        };
        self.send(Request::new(
            "cairn/watch".to_string().into(),
            req::RegisterCapability::METHOD.into(),
            lsp_types::RegistrationParams {
                registrations: vec![registration],
            },
        ))
    }

    /// Publishes the findings of each file.
    fn publish_all(&mut self, files: &[String]) -> io::Result<()> {
        // Each as soon as it is ready: the edited document comes first.
        for rel in files {
            let State::Running(log) = &self.state else {
                return Ok(());
            };
            let text = log.text(rel).unwrap_or_default();
            let found = log.findings(rel);
            let diagnostics = found.iter().map(|f| ranges::to_lsp(&text, f)).collect();
            let (uri, version) = match log.docs.get(rel) {
                Some(doc) => (doc.uri.clone(), Some(doc.version)),
                None => match Uri::from_str(&text::path_to_uri(&log.full_path(rel))) {
                    Ok(uri) => (uri, None),
                    Err(_) => continue,
                },
            };
            self.send(publish(uri, diagnostics, version))?;
        }
        Ok(())
    }
}

fn publish(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        notif::PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

/// The log-relative path of a document, when it is a record of the log.
fn relative(log: &Log, uri: &Uri) -> Option<String> {
    log.relative(&text::uri_to_path(uri.as_str())?)
}

fn workspace_folder(params: &InitializeParams) -> Option<PathBuf> {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone());
    #[allow(deprecated)]
    let uri = folder.or_else(|| params.root_uri.clone())?;
    text::uri_to_path(uri.as_str()).filter(|p| p.is_dir())
}

fn params<P: DeserializeOwned>(value: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|err| {
        Failure(
            ErrorCode::InvalidParams,
            format!("invalid parameters: {err}"),
        )
    })
}

fn to_value(value: impl serde::Serialize) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(value).map_err(|err| Failure(ErrorCode::InternalError, err.to_string()))
}

fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(true),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![
                    ":".into(),
                    " ".into(),
                    "-".into(),
                    "[".into(),
                    ",".into(),
                ]),
                ..CompletionOptions::default()
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "cairn".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    }
}

/// Today (`CAIRN_TODAY` when it holds a date), as `validate` takes it.
fn today_date() -> time::Date {
    let var = std::env::var(crate::calendar::TODAY_VAR).ok();
    crate::calendar::today(var.as_deref())
        .or_else(|_| crate::calendar::today(None))
        .unwrap_or(time::Date::MIN)
}

/// Today as `YYYY-MM-DD`.
fn today() -> String {
    crate::calendar::format_date(today_date())
}
