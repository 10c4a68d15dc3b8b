import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders to climb from src/inventory (tests) or dist/src/inventory (the built CLI) to the package root. */
const MAX_LEVELS_UP = 5;

let cached: string | null = null;

/** The package's `knowledge/` folder, the one holding taxonomy.json. */
export function knowledgeDir(): string {
  if (cached !== null) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_LEVELS_UP; i++) {
    const candidate = join(dir, 'knowledge');
    if (existsSync(join(candidate, 'taxonomy.json'))) return (cached = candidate);
    dir = dirname(dir);
  }
  throw new Error('cannot find knowledge/taxonomy.json above ' + fileURLToPath(import.meta.url));
}

/** A knowledge file's JSON; an unreadable or unparsable file is an error naming it. The caller checks the shape. */
export function readKnowledgeJson<T = unknown>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file}: not readable JSON: ${(err as Error).message}`);
  }
}
