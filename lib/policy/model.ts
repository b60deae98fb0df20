/**
 * The normalised form of a policy document, produced by the parser and consumed by the validator's
 * semantic checks and by the engine's compiler.
 */
import type { Span } from '../types.js';
import type { ParsedOperator } from './operators.js';

export type PolicyVersion = '1.1' | '5.0';

export interface ParsedCondition {
  operator: ParsedOperator;
  /** Key as written. */
  key: string;
  /** Values as strings (JSON numbers and booleans are converted). */
  values: string[];
  /** JSON Pointer of the key's value, e.g. `/Statement/0/Condition/StringEquals/g:UserName`. */
  path: string;
}

export interface ParsedStatement {
  index: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** Exactly one of `actions` / `notActions` is non-null. */
  actions: string[] | null;
  notActions: string[] | null;
  /** Both null: Resource absent (means `*`). */
  resources: string[] | null;
  notResources: string[] | null;
  conditions: ParsedCondition[];
  /**
   * Keys of condition blocks whose operator could not be read (the policy is then invalid): the validator
   * still checks their names, so an unknown operator does not hide a misspelled key.
   */
  orphanKeys?: Array<{ key: string; path: string }>;
  path: string;
  span?: Span;
}

export interface ParsedPolicy {
  version: PolicyVersion;
  statements: ParsedStatement[];
}
