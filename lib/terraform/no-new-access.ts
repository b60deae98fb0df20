/**
 * The seam of `ims-authz check terraform --no-new-access`: given each planned policy document with its prior
 * text (lib/terraform/plan.ts `changes`), the access analysis says which IMS access a change grants that the prior
 * document did not, with a witness request for each. That analysis is a library of another branch (`analysis`, not
 * merged yet): until it is, `NO_NEW_ACCESS` is undefined and the CLI refuses the option (exit 2, NOT_AVAILABLE)
 * rather than pass a change it cannot judge. Merging it means setting `NO_NEW_ACCESS` to a function of this type.
 */
import type { PolicyType } from '../types.js';
import type { DocumentChange } from './plan.js';

/** A request the planned document allows and the prior one did not. */
export interface NewAccessWitness {
  address: string;
  type: PolicyType;
  action: string;
  resource?: string;
  context?: Record<string, unknown>;
}

export type NewAccessAnalysis = (changes: readonly DocumentChange[]) => NewAccessWitness[];

/** Set when the access analysis is merged (branch `analysis`). */
export const NO_NEW_ACCESS: NewAccessAnalysis | undefined = undefined;
