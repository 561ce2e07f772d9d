#!/usr/bin/env node
// The `hotline` command: loads the TypeScript sources through tsx, then runs the CLI.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli.ts')
await main()
