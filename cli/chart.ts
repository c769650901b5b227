// `livemod chart`: charts drawn from results already on file, with no run.
// `chart sweep ROWS.json --svg FILE` draws a sweep's rows (`livemod sweep
// --json`, schema livemod.sweep/1) as box plots of wait and pause across the
// seeds (charts/sweep.ts); `chart compare DOC.json --svg FILE` draws a
// comparison's document (`livemod compare --json`) as `compare --svg` does.
// Each SVG gets its Vega-Lite spec beside it (cli/chart-files.ts). A file
// that cannot be read or is not what it should be is a usage error (exit 2):
// nothing was drawn.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { validate } from '../api/schemas.js';
import { sweepChart, type SweepChartRow, sweepRowProblems, SWEEP_ROWS_SCHEMA } from '../charts/sweep.js';
import { COMPARE_SCHEMA, type CompareDocument } from '../compare/document.js';
import { err } from '../exec/errno.js';
import { writeChart, writeCompareCharts } from './chart-files.js';
import { usage } from './exit.js';
import { checkOutputPath } from './output.js';

/** The JSON in `file`; a usage error naming the file when it cannot be read or parsed. */
function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usage(err(code === 'ENOENT' ? 'ENOENT' : 'EINVAL', `cannot read ${what} from ${file}: ${code ?? (e instanceof Error ? e.message : String(e))}`, `give a file written by ${what === 'sweep rows' ? 'livemod sweep --json' : 'livemod compare --json'}`));
  }
}

/** The rows of a sweep's JSON file, each with the columns the chart reads. */
export function readSweepRows(file: string): SweepChartRow[] {
  const doc = readJson(file, 'sweep rows') as { schema?: unknown; rows?: unknown };
  if (doc?.schema !== SWEEP_ROWS_SCHEMA || !Array.isArray(doc.rows)) throw usage(err('EINVAL', `${file} is not a sweep's rows (schema ${SWEEP_ROWS_SCHEMA})`, 'give a file written by livemod sweep --json'));
  doc.rows.forEach((row, i) => {
    const problems = sweepRowProblems(row);
    if (problems.length) throw usage(err('EINVAL', `${file}: row ${i + 1}: ${problems.join(', ')}`, 'give a file written by livemod sweep --json'));
  });
  if (doc.rows.length === 0) throw usage(err('EINVAL', `${file} has no rows`, 'a sweep with at least one run'));
  return doc.rows as SweepChartRow[];
}

/** A comparison's document, checked against its schema. */
export function readCompareDocument(file: string): CompareDocument {
  const doc = readJson(file, 'a comparison');
  const problems = validate(COMPARE_SCHEMA, doc);
  if (problems.length) throw usage(err('EINVAL', `${file} is not a comparison of schema ${COMPARE_SCHEMA}: ${problems[0]}`, 'give a file written by livemod compare --json'));
  return doc as CompareDocument;
}

/** `chart sweep`: the box plots of a sweep's rows; the line saying what was written. */
export async function chartSweep(rowsFile: string, svg: string): Promise<string> {
  checkOutputPath(svg);
  const rows = readSweepRows(rowsFile);
  const [a, spec] = await writeChart(svg, sweepChart(rows));
  return `chart written: ${a} (wait and pause across ${new Set(rows.map((r) => r.seed)).size} seeds, ${rows.length} rows); its Vega-Lite spec with the data: ${spec}`;
}

/** `chart compare`: the charts of a comparison's document; the line saying what was written. */
export async function chartCompare(docFile: string, svg: string): Promise<string> {
  checkOutputPath(svg);
  return writeCompareCharts(readCompareDocument(docFile), svg);
}

/** Add `chart` and its subcommands to the program. */
export function addChartCommand(program: Command, print: (line: string) => void): void {
  const chart = program
    .command('chart')
    .description("draw charts from results on file, as SVG with their Vega-Lite spec and data beside them: 'chart sweep ROWS.json --svg FILE' (a sweep's rows), 'chart compare DOC.json --svg FILE' (a comparison's document)");
  chart
    .command('sweep')
    .description('box plots of wait and pause across the seeds of a sweep, per step, kernel and strategy, beside the outcomes')
    .argument('<rows>', 'the rows of a sweep: a JSON file written by livemod sweep --json (schema livemod.sweep/1)')
    .requiredOption('--svg <file>', 'the SVG to write; its spec goes beside it as NAME.vl.json')
    .action(async (rows: string, o: { svg: string }) => print(await chartSweep(rows, o.svg)));
  chart
    .command('compare')
    .description('the charts of livemod compare --svg, from a document written by livemod compare --json, without running it again')
    .argument('<document>', `a JSON file written by livemod compare --json (schema ${COMPARE_SCHEMA})`)
    .requiredOption('--svg <file>', 'the SVG of throughput around each update; the phases go to NAME-gantt.svg, each spec beside its SVG as NAME.vl.json')
    .action(async (doc: string, o: { svg: string }) => print(await chartCompare(doc, o.svg)));
}
