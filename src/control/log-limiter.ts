// Rate-limited logging for one source (a client connection): a flood of bad datagrams
// must not flood the daemon's log. At most `linesPerWindow` lines per window; the rest
// are counted and reported in one line when the next window opens.

interface LimitedLog {
  (level: 'debug' | 'info' | 'warn' | 'error', event: string, message: string, fields?: Record<string, unknown>): void;
}

export class LogLimiter {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: LimitedLog,
    private readonly nowMs: () => number,
    private readonly linesPerWindow = 10,
    private readonly windowMs = 1000,
    private readonly fields: Record<string, unknown> = {},
    /** Lines the log would not write (debug at level info) are dropped before they count:
     * 12 PROCPRIOs in a burst once "suppressed 4 log line(s)" of debug lines nobody saw,
     * which could hide a real refusal behind them. */
    private readonly enabled: (level: 'debug' | 'info' | 'warn' | 'error') => boolean = () => true,
  ) {}

  /** Log unless this source already logged linesPerWindow lines in the current window. */
  line(level: 'debug' | 'info' | 'warn' | 'error', event: string, message: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const now = this.nowMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.flush();
      this.windowStartMs = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerWindow) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    this.log(level, event, message, { ...this.fields, ...fields });
  }

  /** Report what was suppressed (also called when the source goes away). */
  flush(): void {
    if (this.suppressed === 0) return;
    this.log('warn', 'control.log-suppressed', `suppressed ${this.suppressed} log line(s) from this client (more than ${this.linesPerWindow} per ${this.windowMs} ms)`, {
      ...this.fields,
      suppressed: this.suppressed,
    });
    this.suppressed = 0;
  }
}
