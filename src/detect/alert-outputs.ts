/**
 * Sends alerts out: syslog (RFC 5424, structured data `vigil@32473`), CEF (ArcSight Common Event Format
 * 0) carried in syslog lines, over UDP or TCP (RFC 6587 octet counting), and a webhook (HTTP POST of JSON).
 * Targets: `udp://host:port`, `tcp://host:port`, an `http(s)://` URL.
 */
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect } from 'node:net';
import type { Alert, Severity } from './alert.js';

const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 6 };
const CEF_SEVERITY: Record<Severity, number> = { critical: 10, high: 8, medium: 5, low: 3 };
/** Facility 13 (log audit) per RFC 5424 §6.2.1. */
const FACILITY = 13;

const sdEscape = (s: string): string => s.replace(/[\\"\]]/g, (c) => `\\${c}`);
const cefHeader = (s: string): string => s.replace(/[\\|]/g, (c) => `\\${c}`);
const cefValue = (s: string): string => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

export function syslogLine(a: Alert, host = hostname()): string {
  const pri = FACILITY * 8 + SYSLOG_SEVERITY[a.severity];
  const sd = `[vigil@32473 uid="${a.uid}" rule="${sdEscape(a.rule)}" severity="${a.severity}" src="${a.srcIp}" dst="${a.dstIp ?? ''}" count="${a.count}"]`;
  return `<${pri}>1 ${new Date(a.lastTs * 1000).toISOString()} ${host} vigil - ${sdEscape(a.rule)} ${sd} ${a.title}`;
}

export function cefLine(a: Alert, host = hostname()): string {
  const ext = [`rt=${Math.round(a.lastTs * 1000)}`, `src=${a.srcIp}`, a.dstIp ? `dst=${a.dstIp}` : '', `cnt=${a.count}`, `externalId=${a.uid}`, `msg=${cefValue(a.description)}`]
    .filter(Boolean)
    .join(' ');
  const cef = `CEF:0|Vigil|Vigil|0.1.0|${cefHeader(a.rule)}|${cefHeader(a.title)}|${CEF_SEVERITY[a.severity]}|${ext}`;
  return `<${FACILITY * 8 + SYSLOG_SEVERITY[a.severity]}>1 ${new Date(a.lastTs * 1000).toISOString()} ${host} vigil - - - ${cef}`;
}

function target(url: string): { proto: 'udp' | 'tcp'; host: string; port: number } {
  const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  if (!m) throw new Error(`bad alert output "${url}": expected udp://host:port or tcp://host:port`);
  return { proto: m[1] as 'udp' | 'tcp', host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

/** Sends one line per alert to a syslog collector. */
export async function sendLines(url: string, lines: readonly string[]): Promise<void> {
  const t = target(url);
  if (lines.length === 0) return;
  if (t.proto === 'udp') {
    const sock = createSocket(t.host.includes(':') ? 'udp6' : 'udp4');
    try {
      for (const l of lines) await new Promise<void>((ok, fail) => sock.send(Buffer.from(l), t.port, t.host, (e) => (e ? fail(e) : ok())));
    } finally {
      sock.close();
    }
    return;
  }
  await new Promise<void>((ok, fail) => {
    const s = connect(t.port, t.host, () => {
      // RFC 6587 §3.4.1 octet counting: length, space, message.
      s.end(lines.map((l) => `${Buffer.byteLength(l)} ${l}`).join(''), () => ok());
    });
    s.on('error', fail);
  });
}

export async function postWebhook(url: string, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'vigil', alerts }) });
  if (!r.ok) throw new Error(`webhook ${url} answered ${r.status}`);
}

export interface AlertOutputOptions {
  syslog?: string;
  cef?: string;
  webhook?: string;
}

/** Sends to every configured output; a failing output is reported and does not stop the others. */
export async function sendAlerts(alerts: readonly Alert[], o: AlertOutputOptions, warn: (m: string) => void): Promise<void> {
  const jobs: [string, Promise<void>][] = [];
  if (o.syslog) jobs.push([o.syslog, sendLines(o.syslog, alerts.map((a) => syslogLine(a)))]);
  if (o.cef) jobs.push([o.cef, sendLines(o.cef, alerts.map((a) => cefLine(a)))]);
  if (o.webhook) jobs.push([o.webhook, postWebhook(o.webhook, alerts)]);
  for (const [name, job] of jobs) await job.catch((e: Error) => warn(`alert output ${name}: ${e.message}`));
}
