/*
 * The emulator's control API (JSON, for tests and for a separately started emulator):
 * `GET /_emulator/state` (every service's state, finished jobs settled first, the active
 * fault rules and the request log) and `GET|POST|DELETE /_emulator/faults`.
 */

import type { FaultController, FaultRule } from '../../sources/emulator/faults.ts';
import type { HttpResult } from '../../sources/emulator/protocol.ts';

/** Answers one control request. */
export type Control = (
  method: string,
  path: string,
  query: URLSearchParams,
  body: string,
) => Promise<HttpResult>;

export function createControl(
  faults: FaultController,
  state: () => Promise<Record<string, unknown>>,
): Control {
  const json = (status: number, value: unknown): HttpResult => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value, null, 2),
  });
  return async (method, path, query, body) => {
    if (path === '/_emulator/state' && method === 'GET') {
      return json(200, { ...(await state()), faults: faults.list() });
    }
    if (path === '/_emulator/faults') {
      if (method === 'GET') return json(200, faults.list());
      if (method === 'DELETE') {
        const id = query.get('id');
        if (id) {
          if (faults.remove(id)) return json(200, { removed: id });
          return json(404, { error: `no fault with id ${id}; GET /_emulator/faults lists the active ones` });
        }
        faults.clear();
        return json(200, { cleared: true });
      }
      if (method === 'POST') {
        try {
          const parsed: unknown = JSON.parse(body);
          const rules = (Array.isArray(parsed) ? parsed : [parsed]) as FaultRule[];
          const ids = rules.map((rule) => faults.add(rule));
          return json(201, { ids });
        } catch (error) {
          return json(400, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      return json(405, { error: `${method} not allowed on ${path}` });
    }
    return json(404, {
      error: `unknown control path ${path}; try GET /_emulator/state or /_emulator/faults`,
    });
  };
}
