/** Query parameters and JSON fields whose values are credentials or request signatures. */
const SECRET_FIELD = /\b((?:api[-_]?key|access[-_]?key|secret[a-z_]*|sign|signature|passphrase|password|[a-z_]*token|x-mbx-apikey)["']?\s*[=:]\s*["']?)([^&"'\s,}]+)/gi;

/**
 * Removes credentials from text that leaves the process (error messages become Temporal failures, logs, UI): every
 * exact secret given, plus any value of a key-, secret-, signature- or token-named field.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of secrets) {
    // Short strings would blank out ordinary words; real keys are long.
    if (secret.length >= 6) redacted = redacted.split(secret).join('***');
  }
  return redacted.replace(SECRET_FIELD, '$1***');
}
