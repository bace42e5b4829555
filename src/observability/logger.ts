/**
 * The process-wide logger handed to Temporal's Runtime: every SDK, workflow and activity log
 * call lands here, is written to stdout (JSON via pino, or coloured lines) and is passed to
 * the attached sinks (the database log store). It never throws into the SDK.
 */
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import { formatLogLine } from './format';
import { LEVELS, toLogRecord, type Level, type LogRecord } from './log-record';

/** Receives every record at or above the logger's level (e.g. the {@link LogStore}). */
export interface LogSink {
  write(record: LogRecord): void;
}

/** Options of {@link FeatureflowLogger}. */
export interface FeatureflowLoggerOptions {
  /** Lowest level kept (default info). */
  readonly level?: Level;
  /** `json` (pino) or `pretty` (coloured lines); `none` writes nothing to stdout (tests). Default json. */
  readonly format?: 'json' | 'pretty' | 'none';
  /** Colour pretty lines (default: when stdout is a terminal). */
  readonly color?: boolean;
}

/** A Temporal {@link Logger} writing to stdout and to attached sinks. */
export class FeatureflowLogger implements Logger {
  private readonly minLevel: number;
  private readonly sinks = new Set<LogSink>();
  private readonly json?: pino.Logger;
  private readonly color: boolean;

  constructor(private readonly options: FeatureflowLoggerOptions = {}) {
    this.minLevel = LEVELS.indexOf(options.level ?? 'info');
    this.color = options.color ?? Boolean(process.stdout.isTTY);
    if ((options.format ?? 'json') === 'json') {
      this.json = pino(
        { level: 'trace', base: undefined, timestamp: false, formatters: { level: (label) => ({ level: label }) } },
        pino.destination({ dest: 1, sync: true }),
      );
    }
  }

  /** Adds a sink; returns the function that removes it. */
  attach(sink: LogSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const lower = level.toLowerCase() as Level;
    if (LEVELS.indexOf(lower) < this.minLevel) return;
    try {
      const record = toLogRecord(level, message, meta);
      this.writeStdout(record);
      for (const sink of this.sinks) sink.write(record);
    } catch (err) {
      // A logging fault must not fail a workflow task or an activity.
      process.stderr.write(`featureflow logger: dropped a line: ${(err as Error).message}\n`);
    }
  }

  private writeStdout(r: LogRecord): void {
    if (this.json) {
      const { ts, level, message, attrs, ...fields } = r;
      this.json[level]({ time: ts, ...fields, ...attrs }, message);
    } else if (this.options.format === 'pretty') {
      process.stdout.write(`${formatLogLine(r, { color: this.color })}\n`);
    }
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
