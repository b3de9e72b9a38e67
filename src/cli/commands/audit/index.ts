import { Command } from 'commander'
import { auditVerify } from './verify.js'

export const audit = new Command('audit').description('the audit records: check their hash chain')
audit.addCommand(auditVerify)
