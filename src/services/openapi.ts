import { z } from 'zod'
import { GROUPINGS } from '../../db/repositories/rollups'
import { STAFF_ROLES, type StaffRole } from '../domain/codes'
import {
  caseActionSchema,
  caseCreatedSchema,
  caseCreateSchema,
  caseDetailSchema,
  caseEventSchema,
  caseIdParamSchema,
  caseListQuerySchema,
  caseListSchema,
  caseSchema,
  categoryListSchema,
  categorySchema,
  unitListSchema,
  unitSchema,
} from './api-cases'
import { FIELD_ORDER } from './summary-fields'

/*
 * The OpenAPI 3.1 document of the JSON API, generated from the zod schemas that validate the
 * requests (and describe the responses), so the document cannot drift from the code. Also the
 * schemas of the endpoints that are not about cases: errors, the report summary, health.
 */

/** The JSON error body of CONTRACT.md section 4. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({
      description:
        'validation_failed, bad_request, unauthorized, forbidden, not_found, conflict, ' +
        'invalid_transition, payload_too_large, idempotency_key_reused, rate_limited',
    }),
    message: z.string().meta({ description: 'What went wrong, for a person.' }),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'For validation errors: each field at fault and the reason.' }),
    currentVersion: z
      .number()
      .int()
      .optional()
      .meta({ description: "On a stale `version` (409 conflict): the case's current version." }),
  }),
})
export type ApiErrorBody = z.output<typeof errorSchema>

/** The query of the report summary (JSON and CSV). */
export const summaryQuerySchema = z.object({
  from: z
    .string({ error: 'is required (YYYY-MM-DD)' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .meta({ description: 'First day of the period (TZ_REPORT).', examples: ['2026-01-01'] }),
  to: z
    .string({ error: 'is required (YYYY-MM-DD)' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .meta({ description: 'Last day of the period, included.', examples: ['2026-12-31'] }),
  by: z
    .enum(GROUPINGS, { error: `must be one of ${GROUPINGS.join(', ')}` })
    .optional()
    .meta({ description: 'Groups: one row per channel, unit, category, kind or month.' }),
  scope: z
    .string()
    .max(100, 'must be at most 100 characters')
    .optional()
    .meta({ description: "A unit's code or name: the figures of its subtree." }),
})

const RATE_FIELDS = new Set<string>([
  'closureRate',
  'onTimeRate',
  'satisfactionRate',
  'callbackRate',
  'returnRate',
  'reopenRate',
])

function figureSchema(field: (typeof FIELD_ORDER)[number]): z.ZodType {
  if (RATE_FIELDS.has(field)) return z.number().min(0).max(1).nullable()
  if (field === 'avgHandlingWorkdays') return z.number().min(0).nullable()
  return z.number().int().min(0)
}
const figureShape = {} as Record<(typeof FIELD_ORDER)[number], z.ZodType>
for (const field of FIELD_ORDER) figureShape[field] = figureSchema(field)

/** Every figure of CONTRACT.md section 5: counts, and rates in [0, 1] (null: nothing to divide). */
export const figuresSchema = z.object(figureShape)

/** One group of a summary. */
export const summaryGroupSchema = figuresSchema.extend({
  key: z
    .string()
    .meta({ description: 'The code (channel, kind, unit or category code; YYYY-MM).' }),
  label: z.string(),
})

/** The summary document (the same as `hotline report --format json`). */
export const summarySchema = z.object({
  from: z.string(),
  to: z.string(),
  timezone: z.string(),
  asOf: z.iso.datetime({ offset: true }),
  scope: z.object({ code: z.string(), name: z.string() }).nullable(),
  by: z.enum(GROUPINGS).nullable(),
  totals: figuresSchema,
  groups: z.array(summaryGroupSchema),
  bulletin: z
    .string()
    .meta({ description: 'The bulletin sentence (简报), e.g. 全年累计受理诉求…' }),
})

/** `POST /api/v1/imports`: the multipart form of an import (CONTRACT.md section 6). */
export const importUploadSchema = z.object({
  file: z
    .file({ error: 'is required: send a .csv or .xlsx file as the multipart field file' })
    .meta({
      description:
        'The .csv (UTF-8, with or without BOM, or GB18030) or .xlsx file, with the columns of ' +
        'CONTRACT.md section 6 (English or Chinese headers). At most 50 MiB.',
    }),
  dryRun: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .meta({ description: '`true`: check every row and report, without writing.' }),
  createMissing: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .meta({ description: '`true`: create unknown units, districts and categories.' }),
})

/** One problem of a rejected row. */
export const importRejectionSchema = z.object({
  line: z.number().int().min(1).meta({ description: 'The line in the file (the header is 1).' }),
  column: z.string().meta({ description: "The column as the file names it, or '(row)'." }),
  reason: z.string(),
})

/** What an import did (or, with `dryRun`, would do). */
export const importResultSchema = z.object({
  file: z.string().meta({ description: 'The name of the uploaded file.' }),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.enum(['utf-8', 'gb18030']).nullable(),
  dryRun: z.boolean(),
  read: z.number().int().min(0).meta({ description: 'Data rows read.' }),
  imported: z.number().int().min(0).meta({ description: 'New cases.' }),
  updated: z.number().int().min(0),
  unchanged: z.number().int().min(0),
  rejected: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'Rows refused (nothing of them written).' }),
  createdUnits: z.array(z.string()),
  createdCategories: z.array(z.string()),
  rejections: z.array(importRejectionSchema).meta({
    description: 'Every problem of the first 1000 rejected rows, one entry per column at fault.',
  }),
})

/** `GET /healthz`. */
export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.string(),
})

/** One response of an operation: JSON (with its schema), CSV, HTML or the document itself. */
interface ResponseSpec {
  description: string
  json?: z.ZodType
  /** A non-JSON body. */
  media?: 'text/csv' | 'text/html'
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>
}

/** One operation of the API, with the very schemas its route validates with. */
export interface ApiOperation {
  method: 'get' | 'post'
  /** The OpenAPI path (`/api/v1/cases/{id}`). */
  path: string
  operationId: string
  tag: string
  summary: string
  description: string
  /** Who may call it; null: public. */
  roles: readonly StaffRole[] | null
  pathParams?: z.ZodObject
  query?: z.ZodObject
  headers?: { name: string; description: string; schema: z.ZodType; required: boolean }[]
  body?: z.ZodType
  /** A `multipart/form-data` body (a file upload) instead of JSON. */
  upload?: z.ZodObject
  responses: Record<number, ResponseSpec>
}

/** Who may read cases and reference data. */
export const READ_ROLES = STAFF_ROLES
/** Who may act on cases (the workflow then decides which action, on which case). */
export const ACT_ROLES = [
  'dispatcher',
  'caseworker',
  'supervisor',
] as const satisfies readonly StaffRole[]
/** Who may file cases through the API. */
export const CREATE_ROLES = ['dispatcher'] as const satisfies readonly StaffRole[]
/** Who may import history files through the API. */
export const IMPORT_ROLES = ['admin', 'dispatcher'] as const satisfies readonly StaffRole[]
/** Who may read the report summary. */
export const REPORT_ROLES = [
  'dispatcher',
  'supervisor',
  'reporter',
  'admin',
] as const satisfies readonly StaffRole[]

const retryAfter = {
  'Retry-After': {
    description: 'Whole seconds after which a request will be allowed again.',
    schema: { type: 'integer', minimum: 1 },
  },
}
const ERRORS: Record<number, ResponseSpec> = {
  400: {
    description: 'The body is not JSON, or not sent as application/json (bad_request).',
    json: errorSchema,
  },
  401: {
    description: 'No credentials, or an unknown or revoked token (unauthorized).',
    json: errorSchema,
  },
  403: {
    description:
      "The caller's role may not do this, or a session call without its X-CSRF-Token (forbidden).",
    json: errorSchema,
  },
  404: {
    description: 'No such case, or one the caller may not see (not_found).',
    json: errorSchema,
  },
  409: {
    description:
      'The `version` is stale (conflict; `error.currentVersion` is the current one: reload and ' +
      "decide again), or the action is not possible in the case's state (invalid_transition).",
    json: errorSchema,
  },
  413: { description: 'The body is larger than 64 KiB (payload_too_large).', json: errorSchema },
  422: {
    description: 'Invalid input: `error.fields` names each field and why (validation_failed).',
    json: errorSchema,
  },
  429: {
    description: 'Over the per-token rate limit (rate_limited); retry after `Retry-After`.',
    json: errorSchema,
    headers: retryAfter,
  },
}
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ERRORS[s]!])) as Record<number, ResponseSpec>

/** Every operation served under `/api/v1` (and `/healthz`), in the order the reference lists them. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/cases',
    operationId: 'createCase',
    tag: 'Cases',
    summary: 'File a case (受理)',
    description:
      'Files a case from any channel and answers 201 with the case, its timeline and the ' +
      "citizen's tracking code (shown once: it is stored only as a hash). Send an " +
      '`Idempotency-Key` to retry safely: the same key with the same body answers the first ' +
      'result again (header `Idempotent-Replayed: true`, without the tracking code); the same key ' +
      'with another body is refused with 422 `idempotency_key_reused`. Keys are kept 24 hours.',
    roles: CREATE_ROLES,
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Any unique string (1–255 visible ASCII characters), e.g. a UUID.',
        schema: z.string().regex(/^[\x21-\x7e]{1,255}$/),
        required: false,
      },
    ],
    body: caseCreateSchema,
    responses: {
      201: {
        description: 'Filed (or, with `Idempotent-Replayed: true`, filed before).',
        json: caseCreatedSchema,
        headers: {
          Location: { description: "The case's URL.", schema: { type: 'string' } },
          'Idempotent-Replayed': {
            description: '`true` when this is the stored answer to an earlier request.',
            schema: { type: 'string', enum: ['true'] },
          },
        },
      },
      ...errors(400, 401, 403, 413),
      422: {
        description:
          'Invalid input (validation_failed, with `error.fields`), or an `Idempotency-Key` ' +
          'already used with another body (idempotency_key_reused).',
        json: errorSchema,
      },
      ...errors(429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/cases',
    operationId: 'listCases',
    tag: 'Cases',
    summary: 'List cases',
    description:
      "The cases the caller may see (a caseworker: their unit's), newest received first, with the " +
      'filters of the staff queues. Page with `limit` and the `nextCursor` of each answer.',
    roles: READ_ROLES,
    query: caseListQuerySchema,
    responses: {
      200: { description: 'One page.', json: caseListSchema },
      ...errors(401, 403, 422, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/cases/{id}',
    operationId: 'getCase',
    tag: 'Cases',
    summary: 'Read a case and its timeline',
    description:
      "The case with every audit event. The citizen's numbers are masked; reporters (and the " +
      'handling unit on a 保密 case) get `citizen: null`. `actions` lists what the caller may do now.',
    roles: READ_ROLES,
    pathParams: caseIdParamSchema,
    responses: {
      200: { description: 'The case.', json: caseDetailSchema },
      ...errors(401, 403, 404, 429),
    },
  },
  {
    method: 'post',
    path: '/api/v1/cases/{id}/actions',
    operationId: 'actOnCase',
    tag: 'Cases',
    summary: 'Take an action (派单, 签收, 办结…)',
    description:
      'One action of the workflow with its arguments and the `version` the caller last read. ' +
      'Answers the case as it now stands (with its new `version`). A stale version is refused ' +
      'with 409 and the current version in `error.currentVersion`.',
    roles: ACT_ROLES,
    pathParams: caseIdParamSchema,
    body: caseActionSchema,
    responses: {
      200: { description: 'Done; the case as it now stands.', json: caseDetailSchema },
      ...errors(400, 401, 403, 404, 409, 413, 422, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/units',
    operationId: 'listUnits',
    tag: 'Reference data',
    summary: 'The unit tree',
    description: 'Every unit (city, districts, streets, towns, departments) with its parent.',
    roles: READ_ROLES,
    responses: {
      200: { description: 'All units.', json: unitListSchema },
      ...errors(401, 403, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/categories',
    operationId: 'listCategories',
    tag: 'Reference data',
    summary: 'The categories',
    description: 'Every category with its parent and the unit its cases usually go to.',
    roles: READ_ROLES,
    responses: {
      200: { description: 'All categories.', json: categoryListSchema },
      ...errors(401, 403, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/reports/summary',
    operationId: 'getSummary',
    tag: 'Reports',
    summary: 'The figures of a period',
    description:
      'Every figure of the period (cases by the day of receipt, in TZ_REPORT), optionally in ' +
      "groups and scoped to a unit's subtree, with the bulletin sentence.",
    roles: REPORT_ROLES,
    query: summaryQuerySchema,
    responses: {
      200: { description: 'The summary.', json: summarySchema },
      ...errors(401, 403, 422, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/reports/summary.csv',
    operationId: 'getSummaryCsv',
    tag: 'Reports',
    summary: 'The figures of a period as CSV',
    description:
      'One row per group and a total row; UTF-8 with a BOM (Excel opens it), formula-like cells ' +
      'neutralised.',
    roles: REPORT_ROLES,
    query: summaryQuerySchema,
    responses: {
      200: { description: 'The CSV file.', media: 'text/csv' },
      ...errors(401, 403, 422, 429),
    },
  },
  {
    method: 'post',
    path: '/api/v1/imports',
    operationId: 'importHistory',
    tag: 'Import',
    summary: 'Import history (导入历史工单)',
    description:
      'Imports a .csv or .xlsx file of historical cases (CONTRACT.md section 6), sent as ' +
      '`multipart/form-data` with the file in the field `file`, for scheduled transfers from ' +
      'other platforms. Runs to the end and answers the summary with the problems of the ' +
      'rejected rows; importing the same file again changes nothing. `dryRun=true` checks ' +
      'without writing. A file that cannot be imported at all (type, unreadable, missing ' +
      'required columns) is refused with 422 naming `file`. One import runs at a time.',
    roles: IMPORT_ROLES,
    upload: importUploadSchema,
    responses: {
      200: { description: 'Done (or checked, in a dry run).', json: importResultSchema },
      400: {
        description: 'The body is not valid multipart/form-data (bad_request).',
        json: errorSchema,
      },
      ...errors(401, 403),
      409: { description: 'Another import is running (conflict); retry later.', json: errorSchema },
      413: {
        description: 'The file is larger than 50 MiB (payload_too_large).',
        json: errorSchema,
      },
      ...errors(422, 429),
    },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    tag: 'About the API',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document, generated from the schemas that validate the requests.',
    roles: null,
    responses: { 200: { description: 'The document.', json: z.object({ openapi: z.string() }) } },
  },
  {
    method: 'get',
    path: '/api/v1/docs',
    operationId: 'getApiReference',
    tag: 'About the API',
    summary: 'The API reference',
    description: 'This document as a readable page.',
    roles: null,
    responses: { 200: { description: 'The page.', media: 'text/html' } },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'About the API',
    summary: 'Health',
    description: 'Whether the service and its database answer.',
    roles: null,
    responses: {
      200: { description: 'Up.', json: healthSchema },
      503: { description: 'The database does not answer.', json: healthSchema },
    },
  },
]

type JsonSchema = Record<string, unknown>

/** Named schemas of `components.schemas`: requests read as input, responses as output. */
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  CaseCreate: caseCreateSchema,
  CaseAction: caseActionSchema,
  ImportUpload: importUploadSchema,
}
const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Error: errorSchema,
  Case: caseSchema,
  CaseEvent: caseEventSchema,
  CaseDetail: caseDetailSchema,
  CaseCreated: caseCreatedSchema,
  CaseList: caseListSchema,
  Unit: unitSchema,
  UnitList: unitListSchema,
  Category: categorySchema,
  CategoryList: categoryListSchema,
  Figures: figuresSchema,
  SummaryGroup: summaryGroupSchema,
  Summary: summarySchema,
  ImportRejection: importRejectionSchema,
  ImportResult: importResultSchema,
  Health: healthSchema,
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

function componentSchemas(
  named: Record<string, z.ZodType>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id })
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `#/components/schemas/${id}`,
  })
  const out: Record<string, JsonSchema> = {}
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema
    out[id] = rest
  }
  return out
}

function inlineSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as JsonSchema
  return rest
}

function nameOf(schema: z.ZodType, named: Record<string, z.ZodType>): string | undefined {
  return Object.entries(named).find(([, s]) => s === schema)?.[0]
}

function parameters(op: ApiOperation): JsonSchema[] {
  const out: JsonSchema[] = []
  const add = (where: 'path' | 'query', object: z.ZodObject | undefined) => {
    for (const [name, schema] of Object.entries(object?.shape ?? {}) as [string, z.ZodType][]) {
      const json = inlineSchema(schema)
      const { description, examples, ...rest } = json
      out.push({
        name,
        in: where,
        required: where === 'path' || !schema.safeParse(undefined).success,
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
        ...(Array.isArray(examples) && examples.length > 0 ? { example: examples[0] } : {}),
      })
    }
  }
  add('path', op.pathParams)
  add('query', op.query)
  for (const h of op.headers ?? []) {
    out.push({
      name: h.name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: inlineSchema(h.schema),
    })
  }
  return out
}

function responseObject(spec: ResponseSpec): JsonSchema {
  const out: JsonSchema = { description: spec.description }
  if (spec.json) {
    const name = nameOf(spec.json, RESPONSE_SCHEMAS)
    const schema = name ? ref(name) : { ...inlineSchema(spec.json), additionalProperties: true }
    out.content = { 'application/json': { schema } }
  } else if (spec.media) {
    out.content = { [spec.media]: { schema: { type: 'string' } } }
  }
  if (spec.headers) out.headers = spec.headers
  return out
}

function operationObject(op: ApiOperation): JsonSchema {
  const roles = op.roles ? ` Roles: ${op.roles.join(', ')}.` : ' Public: no credentials needed.'
  const out: JsonSchema = {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: `${op.description}${roles}`,
    'x-roles': op.roles ?? [],
  }
  const params = parameters(op)
  if (params.length > 0) out.parameters = params
  if (op.body) {
    const name = nameOf(op.body, REQUEST_SCHEMAS)
    out.requestBody = {
      required: true,
      content: { 'application/json': { schema: name ? ref(name) : inlineSchema(op.body) } },
    }
  }
  if (op.upload) {
    const name = nameOf(op.upload, REQUEST_SCHEMAS)
    const schema = name ? ref(name) : inlineSchema(op.upload)
    out.requestBody = { required: true, content: { 'multipart/form-data': { schema } } }
  }
  out.security = op.roles ? [{ bearerAuth: [] }, { staffSession: [] }] : []
  out.responses = Object.fromEntries(
    Object.entries(op.responses).map(([status, spec]) => [status, responseObject(spec)]),
  )
  return out
}

let cached: JsonSchema | undefined

/**
 * The OpenAPI 3.1 document of every operation in {@link API_OPERATIONS} (built once).
 *
 * @example app.get('/openapi.json', (c) => c.json(openApiDocument()))
 */
export function openApiDocument(): JsonSchema {
  if (cached) return cached
  const paths: Record<string, Record<string, JsonSchema>> = {}
  for (const op of API_OPERATIONS) {
    paths[op.path] ??= {}
    paths[op.path]![op.method] = operationObject(op)
  }
  const tags = [...new Set(API_OPERATIONS.map((op) => op.tag))]
  cached = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Hotline 12345 API',
      version: '1.0.0',
      summary: 'Cases, actions, reference data and figures of the 12345 government hotline.',
      description: API_DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        ...componentSchemas(REQUEST_SCHEMAS, 'input'),
        ...componentSchemas(RESPONSE_SCHEMAS, 'output'),
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token from `hotline token create --name N --role R [--unit UNIT]`, sent as ' +
            "`Authorization: Bearer htk_…`. Each token has a role (and a caseworker's token a " +
            'unit); tokens are stored hashed, can be revoked, and their last use is recorded.',
        },
        staffSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'hotline_session',
          description:
            'The staff session of a signed-in browser, for same-origin calls; a POST must also ' +
            "send the session's CSRF token as `X-CSRF-Token`.",
        },
      },
    },
  }
  return cached
}

const API_DESCRIPTION = `The JSON API of the Hotline case desk (12345热线工单系统).

**Credentials.** Send \`Authorization: Bearer <token>\` (a token from \`hotline token create\`), or call
from a signed-in staff page with the session cookie and \`X-CSRF-Token\` on POSTs. What a caller
sees and may do follows its role: a caseworker only its unit's cases; reporters never the citizen.

**Errors** are always \`{"error": {"code", "message", "fields"?}}\`: 400 bad JSON, 401 no or bad
credentials, 403 role, 404 not found (also for a case the caller may not see), 409 stale version or
impossible action, 413 body over 64 KiB, 422 invalid input (\`fields\` names each field), 429 over the
rate limit (\`Retry-After\`).

**Following a case.** File it with \`POST /api/v1/cases\` (send an \`Idempotency-Key\`), then take
actions with \`POST /api/v1/cases/{id}/actions\` and the \`version\` you last read; each answer
carries the new \`version\` and the \`actions\` you may take next. Lists page with \`nextCursor\`.

**Rate limits** are per token (or staff user): 300 requests a minute by default.`
