/**
 * Syntax tree of a JSONPath expression, as Newtonsoft.Json's `SelectTokens` reads it
 * (docs/reference-behaviour.md §1.7). Produced by `parseJsonPath`, compiled by `compileJsonPath`.
 */

/** One step of a path; each step maps every current token to zero or more tokens. */
export type PathStep =
  /** `.name` or `['name']`: the member of an object (nothing on arrays and primitives). */
  | { readonly kind: 'member'; readonly name: string }
  /** `['a','b']`: the listed members of an object, in the listed order. */
  | { readonly kind: 'members'; readonly names: readonly string[] }
  /** `.*`: every member value of an object (nothing on arrays). */
  | { readonly kind: 'memberWildcard' }
  /** `[2]`: an array element (nothing on objects). */
  | { readonly kind: 'index'; readonly index: number }
  /** `[0,2]`: the listed array elements, in the listed order. */
  | { readonly kind: 'indexes'; readonly indexes: readonly number[] }
  /** `[*]`: every array element (nothing on objects). */
  | { readonly kind: 'arrayWildcard' }
  /** `[start:end:step]`: an array slice; `null` means "not written". */
  | { readonly kind: 'slice'; readonly start: number | null; readonly end: number | null; readonly step: number | null }
  /** `[?(filter)]`: the array elements the filter accepts (nothing on objects). */
  | { readonly kind: 'filter'; readonly filter: FilterExpression }
  /** `..name` or `..['name']`: every member called `name` below the token, in pre-order. */
  | { readonly kind: 'scanMember'; readonly name: string }
  /** `..['a','b']`: every member called one of the names below the token, in pre-order. */
  | { readonly kind: 'scanMembers'; readonly names: readonly string[] }
  /** `..*`: the token itself, then every value below it, in pre-order. */
  | { readonly kind: 'scanAll' }
  /** `..[?(filter)]`: the token itself and every value below it that the filter accepts, in pre-order. */
  | { readonly kind: 'scanFilter'; readonly filter: FilterExpression }
  /** `$` inside a filter: restart from the document root. */
  | { readonly kind: 'root' };

/** Comparison operators of a filter (`<>` is read as `!=`; `=~` matches a `/pattern/flags` regular expression). */
export type ComparisonOperator = '==' | '!=' | '===' | '!==' | '<' | '<=' | '>' | '>=' | '=~';

/** JSON value kinds as Newtonsoft.Json types them (`integer` vs `float` matters for string coercion). */
export type LiteralKind = 'null' | 'boolean' | 'integer' | 'float' | 'string';

/** One side of a filter test. */
export type FilterOperand =
  /** `@…` (relative to the tested token) or `$…` (its steps start with `root`). */
  | { readonly kind: 'path'; readonly steps: readonly PathStep[] }
  /**
   * A constant: `'text'`, `12`, `1.5`, `true`, `false`, `null`. An integer of 2^53 or more in magnitude also has its
   * exact value, which `value` may round (Newtonsoft.Json compares two 64-bit integers exactly).
   */
  | {
      readonly kind: 'literal';
      readonly value: null | boolean | number | string;
      readonly valueKind: LiteralKind;
      readonly integer?: bigint;
    };

/** A filter expression tree (Newtonsoft.Json's grouping of `&&`/`||`, see `parseJsonPath`). */
export type FilterExpression =
  /** `@.name`: true when the operand selects at least one token (a literal always exists). */
  | { readonly kind: 'exists'; readonly operand: FilterOperand }
  /** `left op right`: true when some selected left token and some right token compare true. */
  | {
      readonly kind: 'compare';
      readonly operator: ComparisonOperator;
      readonly left: FilterOperand;
      readonly right: FilterOperand;
    }
  /** Every item is true. */
  | { readonly kind: 'and'; readonly items: readonly FilterExpression[] }
  /** At least one item is true. */
  | { readonly kind: 'or'; readonly items: readonly FilterExpression[] };
