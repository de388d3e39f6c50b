// The audit log: every SCIM request and every Bridge change, redacted, append-only.
export { exportEventsCsv, listEvents, type EventFilter, type EventItem, type ListOptions, type StatusClass } from './reader'
export { JsonText, REDACTED, redactText, redactValue, serializeBody } from './redact'
export { pruneEvents } from './retention'
export { AuditBuffer, insertEvent, insertEvents, InvalidAuditEvent, type AuditBufferOptions, type AuditEvent } from './writer'
