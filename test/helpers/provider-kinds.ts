import ts from 'typescript';

/*
 * The provider port's rule (docs/ARCHITECTURE.md, "The provider port"): what differs between providers is declared as
 * an adapter's capabilities, never tested as `if (kind === 'openai')` outside the adapter. So no runtime file
 * (functions/, shared/) names a provider kind in a string literal, an import of the kind's package included, except
 * the kind's own adapter folder (shared/provider/<kind>/) and the registry (shared/provider/adapters.ts).
 */

/** The registry of kinds: the one runtime module besides the adapter folders that builds them. */
export const PROVIDER_REGISTRY = 'shared/provider/adapters.ts';

/**
 * The other runtime modules that name kinds as data: the list of kind names, and the default catalogue's routes (a
 * route names the kind it goes to; a deployment's own catalogue does the same in JSON).
 */
export const KIND_DATA_MODULES = ['shared/provider/kinds.ts', 'shared/catalogue/default-catalogue.ts'];

/** Whether `path` may name `kind`: not runtime code, the kind's own adapter folder, the registry or kind data. */
export function mayNameKind(path: string, kind: string): boolean {
  if (!path.startsWith('functions/') && !path.startsWith('shared/')) return true;
  return path === PROVIDER_REGISTRY || KIND_DATA_MODULES.includes(path) || path.startsWith(`shared/provider/${kind}/`);
}

/**
 * Each string literal (quoted, or a template without substitutions) of `source` whose text is one of `kinds`, where
 * `path` may not name it, as `path:line 'kind'`. Comments and identifiers are not literals.
 */
export function kindLiteralsOf(path: string, source: string, kinds: readonly string[]): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && kinds.includes(node.text)) {
      if (!mayNameKind(path, node.text)) {
        const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
        found.push(`${path}:${line} '${node.text}'`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
