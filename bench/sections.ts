/** The benchmark sections, in the order `npm run bench` runs them. Add a module and a line here. */
import { backfillSection } from './backfill';
import { cliSection } from './cli';
import { pipelineSection } from './pipeline';
import { throughputSection } from './throughput';

/** One benchmark section. */
export interface BenchSection {
  readonly name: string;
  readonly description: string;
  run(): Promise<void>;
}

/** Every section. */
export const sections: BenchSection[] = [
  pipelineSection,
  throughputSection,
  backfillSection,
  cliSection,
];
