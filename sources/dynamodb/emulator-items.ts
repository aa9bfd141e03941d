/*
 * How a DynamoDB export encodes its items: the size DynamoDB counts for an item (its
 * billed size) and Amazon Ion text (ExportFormat ION), for the files emulator-files.ts writes.
 */

import type { AttributeMap } from './emulator-changes.ts';

/** One line of a full export. */
export interface FullExportLine {
  Item: AttributeMap;
}

/** One line of an incremental export (NEW_IMAGE leaves OldImage out; a delete has no NewImage). */
export interface IncrementalExportLine {
  Metadata: { WriteTimestampMicros: { N: string } };
  Keys: AttributeMap;
  OldImage?: AttributeMap;
  NewImage?: AttributeMap;
}

export type ExportLine = FullExportLine | IncrementalExportLine;

/** An item's size by DynamoDB's item-size rules, approximately (names and values in UTF-8 bytes, numbers about one byte per two digits). */
export function itemSize(item: AttributeMap): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueSize(value);
  return bytes;
}

function valueSize(value: unknown): number {
  const [type, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return numberSize(String(inner));
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'SS':
      return (inner as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, n) => sum + numberSize(n), 0);
    case 'BS':
      return (inner as string[]).reduce((sum, b) => sum + Buffer.from(b, 'base64').length, 0);
    case 'L':
      return 3 + (inner as unknown[]).reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
    case 'M':
      return 3 + itemSize(inner as AttributeMap) + Object.keys(inner as AttributeMap).length;
    default:
      return 1;
  }
}

function numberSize(n: string): number {
  return Math.ceil(n.replace(/[^0-9]/g, '').replace(/^0+/, '').length / 2) + 1;
}

/*
 * Amazon Ion text, as the guide's "DynamoDB to Ion datatype conversion" table maps the
 * types: S → string, N → decimal, B → blob, BOOL → bool, NULL → null, SS/NS/BS → a list
 * annotated $dynamodb_SS/_NS/_BS, L → list, M → struct. Each line starts with the Ion
 * version marker.
 */
export function ionLine(line: ExportLine): string {
  const fields = Object.entries(line).map(([name, value]) => {
    if (name === 'Metadata') {
      const micros = (value as IncrementalExportLine['Metadata']).WriteTimestampMicros.N;
      return `Metadata:{WriteTimestampMicros:${ionDecimal(micros)}}`;
    }
    return `${name}:${ionStruct(value as AttributeMap)}`;
  });
  return `$ion_1_0 {${fields.join(',')}}`;
}

function ionStruct(map: AttributeMap): string {
  return `{${Object.entries(map)
    .map(([name, value]) => `${JSON.stringify(name)}:${ionValue(value)}`)
    .join(',')}}`;
}

function ionValue(value: unknown): string {
  const [type, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (type) {
    case 'S':
      return JSON.stringify(inner);
    case 'N':
      return ionDecimal(String(inner));
    case 'B':
      return `{{${String(inner)}}}`;
    case 'BOOL':
      return inner ? 'true' : 'false';
    case 'NULL':
      return 'null';
    case 'SS':
      return `$dynamodb_SS::[${(inner as string[]).map((s) => JSON.stringify(s)).join(',')}]`;
    case 'NS':
      return `$dynamodb_NS::[${(inner as string[]).map(ionDecimal).join(',')}]`;
    case 'BS':
      return `$dynamodb_BS::[${(inner as string[]).map((b) => `{{${b}}}`).join(',')}]`;
    case 'L':
      return `[${(inner as unknown[]).map(ionValue).join(',')}]`;
    case 'M':
      return ionStruct(inner as AttributeMap);
    default:
      return 'null';
  }
}

/** A DynamoDB number as an Ion decimal: `12` → `12.`, `1.5e3` → `1.5d3`, `.5` → `0.5`. */
function ionDecimal(n: string): string {
  let text = n.trim().replace(/^\+/, '');
  text = text.replace(/^(-?)\./, '$10.');
  text = text.replace(/[eE]\+?/, 'd');
  return /[.d]/.test(text) ? text : `${text}.`;
}
