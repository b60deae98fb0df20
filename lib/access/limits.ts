/**
 * The bounds of the access analysis over stored data, in one place: who-can, what-can, previews, the
 * delta a write's answer carries, and the unused-access report. The functions read them from here, and
 * docs/limits.md states them (test/access-limits-doc.test.ts checks the table against these values). Every
 * analysis inside is also bounded by the analysis's own work limits (docs/analysis.md); a bound reached
 * makes the part it stops `unknown` (WORK_LIMIT) or `skipped`, never a guess.
 */
export const ACCESS_LIMITS = {
  /** who-can: distinct principal sets analysed per answer (the principals beyond: `unknown`, WORK_LIMIT). */
  whoCanSets: 500,
  /** who-can and previews: milliseconds of analysis per answer, inside the function's timeout (beyond: `unknown` / UNKNOWN, skipped). */
  answerMs: 15_000,
  /** what-can: sections summarised (every request, then projects and enterprise projects by name; beyond: `sections_omitted`). */
  whatCanSections: 16,
  /** previews of SCP attachments and account moves, who-can across the organization: member accounts read (beyond: 400 PREVIEW_TOO_LARGE / ORGANIZATION_TOO_LARGE). */
  previewAccounts: 200,
  /** the same: milliseconds to list the organization's tree under the node (beyond: 400 with the same code). */
  treeReadMs: 10_000,
  /** the delta on a write's answer: milliseconds of reads and analysis (beyond: `skipped`, with the reason and how to ask). */
  deltaMs: 1_500,
  /** the delta on a write's answer: member accounts read (beyond: `skipped`, DELTA_TOO_LARGE). */
  deltaAccounts: 20,
  /** the delta on a write's answer: distinct before/after analyses (beyond: `skipped`). */
  deltaAnalyses: 20,
  /** unused access: the window when `days` is not given. */
  unusedDefaultDays: 90,
  /** unused access: principals one answer covers (beyond: `principals_omitted`; ask per principal). */
  unusedPrincipals: 1_000,
} as const;
