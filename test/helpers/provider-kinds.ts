import ts from 'typescript';

/*
 * The provider port's rule (docs/ARCHITECTURE.md, "The provider port"): what differs between providers is declared as
 * an adapter's capabilities, never tested as `if (kind === 'openai')` outside the adapter. So no runtime file
 * (functions/, shared/) names a provider kind in a string literal, an import of the kind's package included, except
 * the kind's own adapter folder (shared/provider/<kind>/) and the registry (shared/provider/adapters.ts).
 */

/** The registry of kinds: the one runtime module besides the adapter folders that names them. */
export const PROVIDER_REGISTRY = 'shared/provider/adapters.ts';

/** Whether `path` may name `kind`: not runtime code, the kind's own adapter folder, or the registry. */
export function mayNameKind(path: string, kind: string): boolean {
  if (!path.startsWith('functions/') && !path.startsWith('shared/')) return true;
  return path === PROVIDER_REGISTRY || path.startsWith(`shared/provider/${kind}/`);
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
