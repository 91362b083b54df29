// Run pytest inside Pyodide (CPython compiled to WebAssembly) under Node.js.
//
// Usage: node tools/pyodide-pytest.mjs PYODIDE_DIR ROOT SITE [PYTEST_ARGS...]
//
// PYODIDE_DIR holds the npm package `pyodide`; ROOT (the project) is mounted
// at the same path inside Pyodide and becomes the working directory; SITE, a
// folder of installed pure-Python packages under ROOT, goes first on sys.path.
// The process exits with pytest's status.
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [pyodideDir, root, site, ...args] = process.argv.slice(2);
if (!pyodideDir || !root || !site) {
  console.error('usage: pyodide-pytest.mjs PYODIDE_DIR ROOT SITE [PYTEST_ARGS...]');
  process.exit(2);
}
const { loadPyodide } = await import(
  pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href
);

// Only the variables the suite reads reach the interpreter inside.
const env = { HOME: '/home/pyodide' };
for (const [name, value] of Object.entries(process.env)) {
  if (/^(CI$|PROXY_|PYTEST_|HYPOTHESIS_|COVERAGE_)/.test(name)) env[name] = value;
}
const pyodide = await loadPyodide({ env });
// Pass output through unbuffered, so that pytest's progress shows as it runs.
const raw = (stream) => ({
  write: (bytes) => {
    stream.write(bytes);
    return bytes.length;
  },
});
pyodide.setStdout(raw(process.stdout));
pyodide.setStderr(raw(process.stderr));

pyodide.FS.mkdirTree(root);
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root }, root);
const main = pyodide.runPython(`
def main(root, site, args):
    import os
    import sys

    os.chdir(root)
    sys.path.insert(0, site)
    import pytest

    return int(pytest.main(list(args)))

main
`);
try {
  process.exit(main(root, site, pyodide.toPy(args)));
} catch (error) {
  // A Python exception outside pytest (pytest missing, say): its traceback.
  console.error(error.message ?? error);
  process.exit(1);
}
