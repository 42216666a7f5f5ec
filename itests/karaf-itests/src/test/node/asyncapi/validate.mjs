// Parses an AsyncAPI document with @asyncapi/parser and prints one line per diagnostic:
//   <severity> <path> <message>      (severity: error, warning, info, hint)
// then "channels N operations N messages N". Exits 1 if there is an error or the document did not parse.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';

const severities = ['error', 'warning', 'info', 'hint'];
const file = process.argv[2];
const { document, diagnostics } = await new Parser().parse(readFileSync(file, 'utf8'), { source: file });
let errors = 0;
for (const d of diagnostics) {
  const severity = severities[d.severity] ?? String(d.severity);
  if (severity === 'error') {
    errors++;
  }
  console.log(`${severity} ${(d.path || []).join('.')} ${d.message}`);
}
if (!document) {
  console.log('the document did not parse');
  process.exit(1);
}
console.log(`channels ${document.channels().length} operations ${document.operations().length} messages ${document.messages().length}`);
process.exit(errors > 0 ? 1 : 0);
