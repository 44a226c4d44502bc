// Evaluates many IAM requests in one node process (node start-up is the slow part).
//
// stdin:  a JSON array of simulations in @cloud-copilot/iam-simulate's `Simulation` shape;
//         serviceControlPolicies and resourceControlPolicies default to [] when omitted.
// stdout: a JSON array, one entry per simulation, in order:
//         { decision, identity, resource, denials, grants, ignoredContextKeys, errors }
//         decision is Allowed, ExplicitlyDenied or ImplicitlyDenied, or "Error" when the
//         simulation did not run (errors then says why: a bad policy, action or context key).
// Exit status: 0 when every simulation produced an answer (even "Error"), 2 on bad input.
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

function summarise(response) {
  if (response.resultType === 'error') {
    return { decision: 'Error', errors: response.errors }
  }
  // A wildcard resource may run several simulations; the overall result combines them.
  const results = response.resultType === 'single' ? [response.result] : response.results
  const first = results[0]?.analysis
  return {
    decision: response.overallResult,
    identity: first?.identityAnalysis?.result ?? null,
    resource: first?.resourceAnalysis?.result ?? null,
    denials: results.flatMap((result) => getDenialReasons(result.analysis)),
    grants: results.flatMap((result) => getGrantReasons(result.analysis)),
    ignoredContextKeys: results.flatMap((result) => result.ignoredContextKeys ?? []),
    errors: null
  }
}

async function main() {
  let simulations
  try {
    simulations = JSON.parse(await readStdin())
    if (!Array.isArray(simulations)) throw new Error('expected a JSON array of simulations')
  } catch (error) {
    process.stderr.write(`simulate.mjs: bad input: ${error.message}\n`)
    process.exit(2)
  }
  const answers = []
  for (const simulation of simulations) {
    const response = await runSimulation(
      { serviceControlPolicies: [], resourceControlPolicies: [], ...simulation },
      { simulationMode: 'Strict' }
    )
    answers.push(summarise(response))
  }
  process.stdout.write(JSON.stringify(answers) + '\n')
}

await main()
