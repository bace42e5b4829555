/** The benchmark sections, in the order `npm run bench` runs them. Add a module and a line here. */

/** One benchmark section. */
export interface BenchSection {
  readonly name: string;
  readonly description: string;
  run(): Promise<void>;
}

/** Every section. */
export const sections: BenchSection[] = [];
