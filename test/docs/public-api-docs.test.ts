/**
 * The README promises that every public export has JSDoc with a short ```ts example, and issue 12
 * that every service method says which HaloError codes it throws. This reads src/index.ts with
 * TypeScript's compiler API, follows each export to its declaration, and lists what is missing:
 *
 * - every export: a JSDoc comment with a ```ts example;
 * - every method of an exported interface (the services, the handle): a JSDoc comment;
 * - every exported function and method that returns a promise or an async iterable: `@throws`
 *   (which `HaloError` codes, or that it throws none).
 *
 * Members marked `@internal` are not public and are left out.
 */
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ENTRY = join(ROOT, 'src', 'index.ts')

interface Documented {
  readonly name: string
  readonly where: string
  readonly doc: string
  readonly tags: readonly string[]
  readonly async: boolean
}

function loadProgram(): { checker: ts.TypeChecker; entry: ts.SourceFile } {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT)
  const program = ts.createProgram([ENTRY], { ...parsed.options, noEmit: true })
  const entry = program.getSourceFile(ENTRY)
  if (entry === undefined) throw new Error(`cannot read ${ENTRY}`)
  return { checker: program.getTypeChecker(), entry }
}

function docOf(node: ts.Node): { doc: string; tags: string[] } {
  const parts = ts.getJSDocCommentsAndTags(node)
  const tags = ts.getJSDocTags(node).map((t) => t.tagName.text)
  return { doc: parts.map((p) => p.getText()).join('\n'), tags }
}

function where(node: ts.Node): string {
  const sf = node.getSourceFile()
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart())
  return `${relative(ROOT, sf.fileName)}:${line + 1}`
}

/** Returns a promise or an async iterable: it can fail after it returned, so it says how. */
function isAsync(checker: ts.TypeChecker, node: ts.SignatureDeclaration): boolean {
  const signature = checker.getSignatureFromDeclaration(node)
  if (signature === undefined) return false
  const returned = checker.typeToString(checker.getReturnTypeOfSignature(signature))
  return /^(Promise|AsyncIterable|AsyncGenerator)</.test(returned)
}

/** Each export of src/index.ts, and each public method of an exported interface, with its JSDoc. */
function publicApi(): { exports: Documented[]; methods: Documented[] } {
  const { checker, entry } = loadProgram()
  const exports: Documented[] = []
  const methods: Documented[] = []
  const moduleSymbol = checker.getSymbolAtLocation(entry)!
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declarations = symbol.getDeclarations() ?? []
    const docs = declarations.map(docOf)
    const functions = declarations.filter(ts.isFunctionDeclaration)
    exports.push({
      name: exported.name,
      where: declarations[0] === undefined ? '?' : where(declarations[0]),
      doc: docs.map((d) => d.doc).join('\n'),
      tags: docs.flatMap((d) => d.tags),
      async: functions.some((f) => isAsync(checker, f)),
    })
    for (const declaration of declarations.filter(ts.isInterfaceDeclaration)) {
      for (const member of declaration.members) {
        if (!ts.isMethodSignature(member)) continue
        const { doc, tags } = docOf(member)
        if (tags.includes('internal')) continue
        methods.push({ name: `${exported.name}.${member.name.getText()}`, where: where(member), doc, tags, async: isAsync(checker, member) })
      }
    }
  }
  return { exports, methods }
}

describe('the public API of src/index.ts', () => {
  const api = publicApi()

  it('documents every export with JSDoc and a ```ts example', () => {
    expect(api.exports.length).toBeGreaterThan(50)
    const missing = api.exports.filter((e) => !/```ts\n/.test(e.doc)).map((e) => `${e.name} (${e.where})${e.doc === '' ? ': no JSDoc' : ': no example'}`)
    expect(missing, 'exports without JSDoc or without a ```ts example').toEqual([])
  })

  it('documents every method of an exported interface', () => {
    expect(api.methods.map((m) => m.name)).toContain('ClosureService.initiateEarlyEnd')
    const missing = api.methods.filter((m) => m.doc.trim() === '').map((m) => `${m.name} (${m.where})`)
    expect(missing, 'methods without JSDoc').toEqual([])
  })

  it('says what every asynchronous function and method throws', () => {
    const missing = [...api.exports, ...api.methods].filter((d) => d.async && !d.tags.includes('throws')).map((d) => `${d.name} (${d.where})`)
    expect(missing, 'asynchronous exports and methods without @throws').toEqual([])
  })
})
