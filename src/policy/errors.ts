// Coded errors for policy parameters and rules. The CLI and the config loader map them to
// exit codes; a policy's decide() never throws for data it is given.

type PolicyErrorCode =
  | 'unknown-policy'
  | 'bad-size'
  | 'bad-levels'
  | 'bad-duration'
  | 'bad-number'
  | 'bad-pick'
  | 'bad-matcher'
  | 'bad-pattern'
  | 'param-not-applicable';

export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}
