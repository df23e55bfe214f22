// Validates subkeeper config files against schema/config.schema.json with ajv, the way a user's
// editor or CI would: draft 2020-12, strict mode, all errors, formats from ajv-formats.
//
//   node validate_config.mjs [--schema PATH] FILE...
//   node validate_config.mjs [--schema PATH] --compile-only
//
// Prints one JSON object per line and file:
//   {"file": F, "valid": true|false, "errors": [{"instancePath", "schemaPath", "keyword",
//    "message"}], "parseError": "..." (only when the file is not YAML/JSON)}
// Exit status: 0 when every file is valid, 1 when one is not (or cannot be read or parsed),
// 2 when the schema does not compile in strict mode (ajv's errors on stderr), 3 on bad usage.
//
// Strict mode: https://ajv.js.org/strict-mode.html. YAML is read with the `yaml` package
// (YAML 1.2 core schema, https://eemeli.org/yaml/#parse-options); a file whose name ends in
// .json is read as JSON, as subkeeper itself does.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {parse as parseYaml} from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
let schemaPath = join(here, '..', '..', 'schema', 'config.schema.json');
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  if (argv[i] === '--schema' && i + 1 < argv.length) {
    schemaPath = argv[++i];
  } else if (argv[i] !== '--compile-only') {
    files.push(argv[i]);
  }
}
if (files.length === 0 && !argv.includes('--compile-only')) {
  process.stderr.write('usage: validate_config.mjs [--schema PATH] [--compile-only] FILE...\n');
  process.exit(3);
}

let validate;
try {
  const ajv = new Ajv2020({strict: true, allErrors: true});
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
} catch (e) {
  process.stderr.write(`schema ${schemaPath} does not compile in strict mode: ${e.message}\n`);
  if (e.errors) process.stderr.write(JSON.stringify(e.errors, null, 2) + '\n');
  process.exit(2);
}

let allValid = true;
for (const file of files) {
  const result = {file, valid: false, errors: []};
  try {
    const text = readFileSync(file, 'utf8');
    // uniqueKeys (the default) refuses a key given twice, as subkeeper does.
    const data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    result.valid = validate(data);
    result.errors = (validate.errors ?? []).map(
        ({instancePath, schemaPath, keyword, message}) =>
            ({instancePath, schemaPath, keyword, message}));
  } catch (e) {
    result.parseError = e.message;
  }
  allValid &&= result.valid;
  process.stdout.write(JSON.stringify(result) + '\n');
}
process.exit(allValid ? 0 : 1);
