/**
 * `npm run bench`: prints speed and memory figures (benchmarks are not tests; nothing here
 * asserts). Each section is a module in this folder exporting `run()`; pass section names to
 * run only some, e.g. `npm run bench -- pipeline`.
 */
import { sections } from './sections';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = wanted.length ? sections.filter((s) => wanted.includes(s.name)) : sections;
  if (!chosen.length) throw new Error(`unknown section(s) ${wanted.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`);
  for (const section of chosen) {
    console.log(`\n## ${section.name}: ${section.description}`);
    await section.run();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
