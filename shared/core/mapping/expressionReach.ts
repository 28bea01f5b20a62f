import type { ExpressionLanguage } from '../expressions/types.js';
import { parseJsonPath } from '../expressions/jsonPath/parseJsonPath.js';
import type { FilterExpression, PathStep } from '../expressions/jsonPath/jsonPathAst.js';
import { parseJmesPath } from '../expressions/jmesPath/parseJmesPath.js';
import { childrenOf, type AstNode } from '../expressions/jmesPath/jmesPathAst.js';
import type { ContentTemplateKind } from './deviceMapping.js';

/** The members of the envelope a type match runs on (reference-behaviour §1.2). */
const ENVELOPE: readonly string[] = ['Body', 'Properties', 'SystemProperties'];

/** The members of what a CalculatedContent template's other expressions run on (§1.3). */
const ENVELOPE_WITH_MATCH: readonly string[] = [...ENVELOPE, 'matchedToken'];

/**
 * Why an expression that compiled cannot read what its author meant, judged from where it starts, or undefined when
 * nothing says so. A type match, and every expression of a CalculatedContent template, runs on an object whose
 * members are known (the envelope; the envelope and `matchedToken`): a path that starts at another member, often a
 * body member written without `Body.` or `matchedToken.`, or an envelope member in another letter case (names are
 * case-sensitive), selects nothing in any message. A JsonPathContent-kind template's expressions run on the matched
 * token itself, to which nothing adds a `matchedToken` member: a path through one is a CalculatedContent habit. And an
 * IotJsonPathContent template reads its device id from each match, where only the envelope holds it: a type match
 * that cannot select the envelope (`$..[?(@heartRate)]`) fails every match. Where the type match cannot select the
 * envelope, a JsonPathContent or IotCentralJsonPathContent path that starts at an envelope member (`$.Body.x`,
 * `$.SystemProperties.x`, an IoT habit) reads a member the matches do not have.
 * Only a warning: the mapping means the same as it does in MedTech, where such templates load too.
 * @param kind - the template's kind
 * @param field - the field the expression belongs to (`typeMatchExpression`, `valueExpression`…)
 * @param language - the expression's language
 * @param source - the expression text (it compiled)
 * @param typeMatch - the template's JSONPath type match, when it compiled ({@link typeMatchReachOf}; for the other
 *   fields of the template)
 * @returns the sentence to warn with
 */
export function unreachableStartOf(
  kind: ContentTemplateKind,
  field: string,
  language: ExpressionLanguage,
  source: string,
  typeMatch?: TypeMatchReach,
): string | undefined {
  const quoted = `${field} '${source}'`;
  const steps = language === 'JsonPath' ? parseJsonPath(source) : undefined;
  const [first] = steps ?? [];
  const heads =
    steps === undefined ? jmesPathRootFields(parseJmesPath(source)) : first?.kind === 'member' ? [first.name] : [];
  const isTypeMatch = field === 'typeMatchExpression';
  if (isTypeMatch || kind === 'CalculatedContent') {
    const members = isTypeMatch ? ENVELOPE : ENVELOPE_WITH_MATCH;
    const stranger = heads.find((name) => !members.includes(name));
    if (stranger !== undefined) {
      const what = isTypeMatch ? 'a type match runs on' : "a CalculatedContent template's expressions run on";
      const outcome =
        steps !== undefined ? 'selects nothing in any message' : `reads '${stranger}' as null in every message`;
      const fix = members.find((name) => name.toLowerCase() === stranger.toLowerCase());
      const example = `${steps !== undefined ? '$.' : ''}${isTypeMatch ? 'Body' : 'matchedToken'}.${stranger}`;
      const advice =
        fix !== undefined
          ? `member names are case-sensitive: write '${fix}'`
          : `start the path at ${isTypeMatch ? 'Body' : 'matchedToken or Body'} (${example})`;
      return `${quoted} ${outcome}: ${what} {${members.join(', ')}}, which has no member '${stranger}'; ${advice}`;
    }
  } else if (steps !== undefined && heads[0] === 'matchedToken') {
    return (
      `${quoted} reads a member 'matchedToken' of the matched token: only CalculatedContent templates add one, a ` +
      `${kind} template's expressions run on the matched token itself; write the path without it`
    );
  } else if (
    steps !== undefined &&
    kind !== 'IotJsonPathContent' &&
    first?.kind === 'member' &&
    ENVELOPE.includes(first.name) &&
    typeMatch !== undefined &&
    !typeMatch.maySelectEnvelope
  ) {
    const head = first.name;
    const advice =
      head === 'Body'
        ? `write the path from the match itself${source.startsWith('$.Body.') ? ` ($.${source.slice(7)})` : ''}`
        : "the event's properties are read in a CalculatedContent template ($.SystemProperties…) or an " +
          'IotJsonPathContent one';
    return (
      `${quoted} reads a member '${head}' of the matched token, but the type match '${typeMatch.source}' never selects the ` +
      `envelope: each match lies below it, without a '${head}' member unless the message holds one; ${advice}`
    );
  }
  if (kind === 'IotJsonPathContent' && isTypeMatch && steps !== undefined && !canSelectEnvelope(steps)) {
    return (
      `${quoted} never selects the envelope itself, yet an IotJsonPathContent template reads its device id ` +
      `(${IOT_DEVICE_ID}) and timestamp from each match, which a match inside the body does not hold; test for ` +
      'members of Body (as in $..[?(@Body.heartRate)]), or use a CalculatedContent template'
    );
  }
  return undefined;
}

/** What the checks of a template's other expressions need of its JSONPath type match, found once per template. */
export interface TypeMatchReach {
  /** The type match's text. */
  readonly source: string;
  /** Whether it may select the envelope itself. */
  readonly maySelectEnvelope: boolean;
}

/**
 * The {@link TypeMatchReach} of a JSONPath type match.
 * @param source - the type match (it compiled)
 */
export function typeMatchReachOf(source: string): TypeMatchReach {
  return { source, maySelectEnvelope: canSelectEnvelope(parseJsonPath(source)) };
}

/** Where an IotJsonPathContent template reads its device id, in each match (reference-behaviour §1.5). */
const IOT_DEVICE_ID = '$.SystemProperties.iothub-connection-device-id';

/**
 * Whether a JSONPath type match may select the envelope it runs on: each of its steps must be able to yield the token
 * it is given (`$`, a `..*` scan, a `..[?()]` scan whose filter may accept the envelope); every other step moves
 * to what is below.
 */
function canSelectEnvelope(steps: readonly PathStep[]): boolean {
  return steps.every(
    (step) => step.kind === 'scanAll' || (step.kind === 'scanFilter' && mayAcceptEnvelope(step.filter)),
  );
}

/**
 * False when a filter surely rejects the envelope: each way to pass it needs a member that the envelope has not
 * (`@heartRate`, `@telemetry.HeartRate && @deviceId`). A comparison, or a test of `$` or `@` itself, may pass.
 */
function mayAcceptEnvelope(filter: FilterExpression): boolean {
  switch (filter.kind) {
    case 'exists': {
      const [first] = filter.operand.kind === 'path' ? filter.operand.steps : [];
      return first?.kind !== 'member' || ENVELOPE.includes(first.name);
    }
    case 'compare':
      return true;
    case 'and':
      return filter.items.every(mayAcceptEnvelope);
    case 'or':
      return filter.items.some(mayAcceptEnvelope);
  }
}

/**
 * The members a JMESPath expression reads of the object it runs on: the fields at the start of its paths, also
 * inside functions, comparisons, multi-selects, `||` and `&&` (not those of a `&expression`, a projection's right
 * side or a filter's condition, which run on other values).
 */
function jmesPathRootFields(node: AstNode): string[] {
  if (node.type === 'Field') {
    return [node.name];
  }
  if (node.type === 'ExpressionReference') {
    return [];
  }
  if (node.type === 'Subexpression' && node.left.type === 'Current') {
    // `@.deviceId` reads what `deviceId` reads (Microsoft's documentation writes `@.matchedToken.…`).
    return jmesPathRootFields(node.right);
  }
  if ('left' in node && LEFT_THEN_RESULT.has(node.type)) {
    return jmesPathRootFields(node.left);
  }
  // Functions, comparisons, multi-selects, `||`, `&&`, `!`, flattens: each operand runs on the same object.
  return childrenOf(node).flatMap(jmesPathRootFields);
}

/** Nodes whose left side runs on the object and whose other parts run on what it yields. */
const LEFT_THEN_RESULT: ReadonlySet<AstNode['type']> = new Set([
  'Subexpression',
  'IndexExpression',
  'Pipe',
  'Projection',
  'ValueProjection',
  'FilterProjection',
]);
