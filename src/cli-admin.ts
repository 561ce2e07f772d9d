import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { listCategories } from '../db/repositories/reference-data'
import { HotlineError, invalidField } from './domain/errors'
import type { CliIo } from './cli'
import { findUnit } from './services/accounts'
import {
  calendarStatus,
  createCategory,
  createReplyTemplate,
  createUnit,
  listSlaRulesWithIds,
  loadCalendarYear,
  parseSchedule,
  setSlaRule,
  type AdminActor,
} from './services/admin'
import type { Deps } from './services/deps'

/** The admin commands and their usage lines (also in `hotline --help`). */
export const ADMIN_USAGE = `  unit add --code C --name N [--parent UNIT] --level city|district|street|town|department
  category add --code C --name N [--parent CATEGORY] [--default-unit UNIT]
  sla set --workdays N [--kind K] [--urgency U] [--channel C]
  sla list
  calendar load FILE [--year YYYY]        lines "YYYY-MM-DD 休|班 [note]" or JSON {"holidays","workdays"}
  calendar status
  template add --category CATEGORY --title T   (the body on standard input)`

/** The command-line option a service field is given by, for messages. */
const OPTION_OF: Record<string, string> = {
  parentId: 'parent',
  defaultUnitId: 'default-unit',
  categoryId: 'category',
  unitId: 'unit',
  schedule: 'FILE',
  days: 'FILE',
}

/** A usage mistake: exit code 1. */
class UsageError extends Error {}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(
  args: string[],
  spec: T,
) {
  return parseArgs({ args, options: spec, strict: true, allowPositionals: true })
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v.trim() === '') throw invalidField(name, 'is required')
  return v
}

function noExtra(positionals: string[], usage: string): void {
  if (positionals.length > 1) throw new UsageError(`unexpected ${positionals[1]}; usage: ${usage}`)
}

async function unitId(
  deps: Deps,
  option: string,
  codeOrName: string | undefined,
): Promise<number | null> {
  if (codeOrName === undefined) return null
  const unit = await findUnit(deps, codeOrName)
  if (!unit) throw invalidField(option, `no unit with code or name ${codeOrName}`)
  return unit.id
}

async function categoryId(
  deps: Deps,
  option: string,
  codeOrName: string | undefined,
): Promise<number | null> {
  if (codeOrName === undefined) return null
  const categories = await listCategories(deps.db)
  const found =
    categories.find((c) => c.code === codeOrName) ?? categories.find((c) => c.name === codeOrName)
  if (!found) throw invalidField(option, `no category with code or name ${codeOrName}`)
  return found.id
}

async function unit(deps: Deps, args: string[], io: CliIo, actor: AdminActor): Promise<number> {
  const usage = 'hotline unit add --code C --name N [--parent UNIT] --level L'
  const { values, positionals } = options(args, {
    code: { type: 'string' },
    name: { type: 'string' },
    parent: { type: 'string' },
    level: { type: 'string' },
  })
  if (positionals[0] !== 'add') throw new UsageError(`usage: ${usage}`)
  noExtra(positionals, usage)
  const id = await createUnit(
    deps,
    {
      code: required(values, 'code'),
      name: required(values, 'name'),
      parentId: await unitId(deps, 'parent', values.parent),
      level: required(values, 'level'),
    },
    actor,
  )
  io.out(`unit ${values.code} created with id ${id}`)
  return 0
}

async function category(deps: Deps, args: string[], io: CliIo, actor: AdminActor): Promise<number> {
  const usage = 'hotline category add --code C --name N [--parent CATEGORY] [--default-unit UNIT]'
  const { values, positionals } = options(args, {
    code: { type: 'string' },
    name: { type: 'string' },
    parent: { type: 'string' },
    'default-unit': { type: 'string' },
  })
  if (positionals[0] !== 'add') throw new UsageError(`usage: ${usage}`)
  noExtra(positionals, usage)
  const id = await createCategory(
    deps,
    {
      code: required(values, 'code'),
      name: required(values, 'name'),
      parentId: await categoryId(deps, 'parent', values.parent),
      defaultUnitId: await unitId(deps, 'default-unit', values['default-unit']),
    },
    actor,
  )
  io.out(`category ${values.code} created with id ${id}`)
  return 0
}

async function sla(deps: Deps, args: string[], io: CliIo, actor: AdminActor): Promise<number> {
  const usage =
    'hotline sla set --workdays N [--kind K] [--urgency U] [--channel C] | hotline sla list'
  const { values, positionals } = options(args, {
    workdays: { type: 'string' },
    kind: { type: 'string' },
    urgency: { type: 'string' },
    channel: { type: 'string' },
  })
  noExtra(positionals, usage)
  if (positionals[0] === 'list') {
    const rules = await listSlaRulesWithIds(deps)
    io.out('id    kind          urgency   channel           workdays')
    for (const r of rules) {
      io.out(
        `${String(r.id).padEnd(5)} ${(r.kind ?? '*').padEnd(13)} ${(r.urgency ?? '*').padEnd(9)} ${(r.channel ?? '*').padEnd(17)} ${r.workdays}`,
      )
    }
    if (rules.length === 0) io.out('(no rules: every case gets 13 working days)')
    return 0
  }
  if (positionals[0] !== 'set') throw new UsageError(`usage: ${usage}`)
  const workdays = required(values, 'workdays')
  if (!/^\d+$/.test(workdays.trim())) throw invalidField('workdays', 'must be a whole number')
  const { id, created } = await setSlaRule(
    deps,
    {
      workdays,
      kind: values.kind ?? null,
      urgency: values.urgency ?? null,
      channel: values.channel ?? null,
    },
    actor,
  )
  io.out(`sla rule ${id} ${created ? 'added' : 'changed'}: ${workdays} working days`)
  return 0
}

function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : ''
    throw invalidField(
      'FILE',
      code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file} (${code || 'error'})`,
    )
  }
}

async function calendar(deps: Deps, args: string[], io: CliIo, actor: AdminActor): Promise<number> {
  const usage = 'hotline calendar load FILE [--year YYYY] | hotline calendar status'
  const { values, positionals } = options(args, { year: { type: 'string' } })
  if (positionals[0] === 'status') {
    noExtra(positionals, usage)
    const status = await calendarStatus(deps)
    for (const y of status.years) {
      const state =
        y.source === 'package'
          ? 'scheduled (holiday package)'
          : y.source === 'loaded'
            ? `scheduled (loaded ${y.loadedAt})`
            : `MISSING: deadlines in ${y.year} count weekends only and are provisional; load it with hotline calendar load FILE`
      io.out(`${y.year}  ${state}; ${y.overrides} day overrides`)
    }
    io.out(`open cases with a provisional deadline: ${status.provisionalOpen}`)
    return 0
  }
  if (positionals[0] !== 'load') throw new UsageError(`usage: ${usage}`)
  const file = positionals[1]
  if (!file) throw invalidField('FILE', 'is required')
  if (positionals.length > 2) throw new UsageError(`unexpected ${positionals[2]}; usage: ${usage}`)
  let year: number | undefined
  if (values.year !== undefined) {
    if (!/^\d{4}$/.test(values.year)) throw invalidField('year', 'must be a year such as 2027')
    year = Number(values.year)
  }
  const schedule = parseSchedule(readTextFile(file), year)
  const result = await loadCalendarYear(deps, schedule.year, schedule.days, actor, {
    source: `cli:${file}`,
  })
  const off = schedule.days.filter((d) => !d.workday).length
  io.out(
    `loaded ${result.year}: ${off} days off, ${result.days - off} make-up working days; ` +
      `${result.recomputed.length} provisional deadlines recomputed`,
  )
  for (const r of result.recomputed)
    io.out(
      `  ${r.caseNumber}: ${r.before} → ${r.after}${r.provisional ? ' (still provisional)' : ''}`,
    )
  return 0
}

async function template(deps: Deps, args: string[], io: CliIo, actor: AdminActor): Promise<number> {
  const usage = 'hotline template add --category CATEGORY --title T < body.txt'
  const { values, positionals } = options(args, {
    category: { type: 'string' },
    title: { type: 'string' },
  })
  if (positionals[0] !== 'add') throw new UsageError(`usage: ${usage}`)
  noExtra(positionals, usage)
  const category = await categoryId(deps, 'category', required(values, 'category'))
  const title = required(values, 'title')
  const body = (await io.readStdin()).trim()
  if (body === '')
    throw invalidField('body', 'is required: pipe the template text on standard input')
  const id = await createReplyTemplate(deps, { categoryId: category, title, body }, actor)
  io.out(`template ${id} added`)
  return 0
}

function failure(err: unknown, io: CliIo): number {
  if (err instanceof HotlineError && err.code === 'validation_failed' && err.fields) {
    for (const [field, reason] of Object.entries(err.fields))
      io.err(`hotline: ${OPTION_OF[field] ?? field}: ${reason}`)
    return 1
  }
  if (err instanceof HotlineError || err instanceof UsageError) {
    io.err(`hotline: ${err.message}`)
    return 1
  }
  if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    io.err(`hotline: ${err.message}`)
    return 1
  }
  throw err
}

/**
 * Runs one admin command (`unit`, `category`, `sla`, `calendar`, `template`; `argv` starts with
 * it) and returns its exit code: 0 on success, 1 on bad input with a message naming the field.
 * Changes are audited like the admin pages', by the command line (`命令行`) and the OS user.
 *
 * @example const code = await runAdminCommand(deps, ['sla', 'set', '--kind', 'complaint', '--workdays', '10'], io)
 */
export async function runAdminCommand(deps: Deps, argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  const actor: AdminActor = {
    id: null,
    name: `命令行 ${io.env.USER ?? io.env.USERNAME ?? ''}`.trim(),
  }
  try {
    switch (command) {
      case 'unit':
        return await unit(deps, rest, io, actor)
      case 'category':
        return await category(deps, rest, io, actor)
      case 'sla':
        return await sla(deps, rest, io, actor)
      case 'calendar':
        return await calendar(deps, rest, io, actor)
      case 'template':
        return await template(deps, rest, io, actor)
      default:
        throw new UsageError(`unknown admin command ${command ?? ''}\n${ADMIN_USAGE}`)
    }
  } catch (err) {
    return failure(err, io)
  }
}
