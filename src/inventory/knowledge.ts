import { FingerprintRules } from './fingerprint-rules.js';
import { loadIdentityFields } from './identity-fields.js';
import { OuiRegistry } from './oui.js';
import { loadPortHints } from './port-hints.js';
import { Taxonomy } from './taxonomy.js';
import type { AttributeKnowledge } from './attribute-resolver.js';

export interface KnowledgeOptions {
  /** Folders of extra fingerprint rule files (JSON or YAML). */
  rulesDirs?: readonly string[];
}

/** Everything the inventory consults, loaded once: bundled files plus the user's own. */
export function loadAttributeKnowledge(options: KnowledgeOptions = {}): AttributeKnowledge {
  return {
    rules: FingerprintRules.load(options.rulesDirs ?? []),
    fields: loadIdentityFields(),
    oui: OuiRegistry.load(),
    portHints: loadPortHints(),
    taxonomy: Taxonomy.load(),
  };
}
