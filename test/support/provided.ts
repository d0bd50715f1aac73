/** Values the integration global setup hands to test files via vitest's provide/inject. */
declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated template database that createTestDatabase() clones. */
    jobplaneTemplateDatabase: string;
  }
}

export {};
