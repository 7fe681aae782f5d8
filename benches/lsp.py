#!/usr/bin/env python3
"""Measures `cairn lsp` as an editor meets it, on a research log.

    benches/lsp.py CAIRN CORPUS [--keys N]

- start: from launching the server to its answer to `initialize` (the
  configuration is read; the records are read in the background);
- first findings: from launching the server to the first findings of a
  record opened right after `initialized`: what its own text shows (parse,
  schema, links), published before the log is read;
- ready: from launching the server to that record's complete findings (the
  whole log read, indexed and checked);
- open: from `didOpen` of another record to its published findings;
- keystroke: from one incremental `didChange` (a character typed in the
  title) to the findings published for that record, N times;
- keystroke in the id: the same, typing digits after the record's id, so
  that each one changes the id (the records naming the old id, and those
  with dangling references, are checked again), 20 times;
- keystroke in a named id: the same in the id of the first scope, which
  many experiments name: each keystroke leaves all of them dangling (and
  checks them again), 20 times;
- completion of ids in a reference field, and hover on an id;
- find references to the second scope: every record's text is searched,
  read from disk the first time;
- memory: the server's peak resident set (VmHWM) at the end.

Standard library only; prints one Markdown table.
"""
import argparse
import json
import os
import statistics
import subprocess
import threading
import time
import queue


def frames(stream, out):
    while True:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        out.put(json.loads(stream.read(length)))


class Server:
    def __init__(self, cairn, corpus):
        self.proc = subprocess.Popen(
            [cairn, "lsp"], cwd=corpus, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.inbox = queue.Queue()
        threading.Thread(target=frames, args=(self.proc.stdout, self.inbox), daemon=True).start()
        self.next_id = 0

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id)

    def wait(self, wanted):
        while True:
            message = self.inbox.get(timeout=120)
            if wanted(message):
                return message

    def published(self, uri):
        return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri

    def memory(self):
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
        return fields.get("VmHWM", "?"), fields.get("VmRSS", "?")


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def type_at(server, uri, line, column, char, count, version):
    """Types `char` `count` times at the end of `line`, one didChange each
    (versions from `version` on); returns the seconds from each keystroke
    to the document's findings."""
    times = []
    for n in range(count):
        at = {"line": line, "character": column + n}
        t = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version + n},
                                                 "contentChanges": [{"range": {"start": at, "end": at}, "text": char}]})
        server.wait(server.published(uri))
        times.append(time.perf_counter() - t)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cairn")
    parser.add_argument("corpus")
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)
    cairn = os.path.abspath(args.cairn) if os.sep in args.cairn else args.cairn
    root = "file://" + corpus
    folder = os.path.join(corpus, "research", "experiments")
    names = sorted(os.listdir(folder))
    name = names[len(names) // 2]
    path = os.path.join(folder, name)
    first = os.path.join(folder, names[len(names) // 3])
    first_uri = "file://" + first
    uri = "file://" + path
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    title_line = next(i for i, l in enumerate(lines) if l.startswith("title:"))

    started = time.perf_counter()
    server = Server(cairn, corpus)
    server.request("initialize", {"processId": None, "rootUri": root, "capabilities": {}})
    start = time.perf_counter() - started
    server.notify("initialized", {})
    first_text = open(first, encoding="utf-8").read()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": first_uri, "languageId": "markdown", "version": 1, "text": first_text}})
    server.wait(server.published(first_uri))
    first_look = time.perf_counter() - started
    server.wait(server.published(first_uri))
    ready = time.perf_counter() - started

    t = time.perf_counter()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}})
    server.wait(server.published(uri))
    opened = time.perf_counter() - t

    keys = type_at(server, uri, title_line, len(lines[title_line]), "x", args.keys, 2)

    id_line = next(i for i, l in enumerate(lines) if l.startswith("id:"))
    id_keys = type_at(server, uri, id_line, len(lines[id_line]), "1", 20, 5_000)

    scopes = os.path.join(corpus, "research", "scopes")
    scope_names = sorted(os.listdir(scopes))
    first_scope = os.path.join(scopes, scope_names[1])
    first_scope_uri = "file://" + first_scope
    first_scope_text = open(first_scope, encoding="utf-8").read()
    first_scope_id_line = next(i for i, l in enumerate(first_scope_text.split("\n")) if l.startswith("id:"))
    server.notify("textDocument/didOpen", {"textDocument": {"uri": first_scope_uri, "languageId": "markdown", "version": 1, "text": first_scope_text}})
    server.wait(server.published(first_scope_uri))
    scope_path = os.path.join(scopes, scope_names[0])
    scope_uri = "file://" + scope_path
    scope_lines = open(scope_path, encoding="utf-8").read().split("\n")
    server.notify("textDocument/didOpen", {"textDocument": {"uri": scope_uri, "languageId": "markdown", "version": 1, "text": "\n".join(scope_lines)}})
    server.wait(server.published(scope_uri))
    scope_id_line = next(i for i, l in enumerate(scope_lines) if l.startswith("id:"))
    named_keys = type_at(server, scope_uri, scope_id_line, len(scope_lines[scope_id_line]), "1", 20, 2)

    # A reference field: put the cursor after `baseline: EXP-` on a new line.
    insert = {"range": {"start": {"line": title_line + 1, "character": 0}, "end": {"line": title_line + 1, "character": 0}}, "text": "baseline: EXP-\n"}
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 10_000}, "contentChanges": [insert]})
    server.wait(server.published(uri))
    position = {"textDocument": {"uri": uri}, "position": {"line": title_line + 1, "character": 14}}
    completions = []
    for _ in range(20):
        t = time.perf_counter()
        answer = server.request("textDocument/completion", position)
        completions.append(time.perf_counter() - t)
    items = len(answer["result"]["items"])
    hovers = []
    hover_at = {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 6}}
    for _ in range(20):
        t = time.perf_counter()
        server.request("textDocument/hover", hover_at)
        hovers.append(time.perf_counter() - t)
    # Find references to the first scope: every record's text is searched.
    refs = []
    for _ in range(5):
        t = time.perf_counter()
        answer = server.request("textDocument/references", {"textDocument": {"uri": first_scope_uri}, "position": {"line": first_scope_id_line, "character": 6}, "context": {"includeDeclaration": False}})
        refs.append(time.perf_counter() - t)
    found = len(answer["result"] or [])
    peak, rss = server.memory()
    server.request("shutdown", None)
    server.notify("exit", None)
    server.proc.wait(timeout=60)

    keys.sort()
    p95 = keys[int(len(keys) * 0.95) - 1]
    print(f"corpus: {corpus}, record: {name}")
    print()
    print("| measure | figure |")
    print("| --- | --- |")
    print(f"| start (launch to `initialize` answered) | {ms(start)} |")
    print(f"| first findings (launch to an opened record's own findings) | {ms(first_look)} |")
    print(f"| ready (launch to that record's complete findings) | {ms(ready)} |")
    print(f"| open another record (to its findings) | {ms(opened)} |")
    print(f"| keystroke to findings, median of {len(keys)} | {ms(statistics.median(keys))} |")
    print(f"| keystroke to findings, 95th percentile | {ms(p95)} |")
    print(f"| keystroke to findings, slowest | {ms(keys[-1])} |")
    id_keys.sort()
    print(f"| keystroke in the id to findings, median of {len(id_keys)} | {ms(statistics.median(id_keys))} |")
    print(f"| keystroke in the id to findings, slowest | {ms(id_keys[-1])} |")
    named_keys.sort()
    print(f"| keystroke in a named id ({os.path.basename(scope_path)[:10]}) to findings, median of {len(named_keys)} | {ms(statistics.median(named_keys))} |")
    print(f"| keystroke in a named id to findings, slowest | {ms(named_keys[-1])} |")
    print(f"| completion of `EXP-` ids ({items} items), median | {ms(statistics.median(completions))} |")
    print(f"| hover on an id, median | {ms(statistics.median(hovers))} |")
    print(f"| find references to {os.path.basename(first_scope)[:10]} ({found} places), first (files read) | {ms(refs[0])} |")
    print(f"| find references, again, median of {len(refs) - 1} | {ms(statistics.median(refs[1:]))} |")
    print(f"| peak memory (VmHWM) | {peak} |")
    print(f"| memory at the end (VmRSS) | {rss} |")


if __name__ == "__main__":
    main()
