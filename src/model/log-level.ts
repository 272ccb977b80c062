// Severity of a log line, shared by the engine's EventSink, the daemon's logger, the
// triggers' log callbacks, the control server and the configuration (log_level).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
