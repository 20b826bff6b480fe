/**
 * MCP prompts for the work this capability exists for: each a short plan an agent follows, naming the tools it uses.
 * A prompt is offered only where every tool it names is (see `MCP_TOOLSETS` and the caller's scopes).
 *
 * @since 0.2.0
 */
import type { GetPromptResult, Prompt } from "@modelcontextprotocol/sdk/types.js"

export interface PromptDefinition {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly arguments: ReadonlyArray<{ readonly name: string; readonly description: string; readonly required: boolean }>
  /** The tools the plan uses, by name. */
  readonly tools: ReadonlyArray<string>
  readonly render: (args: Readonly<Record<string, string>>) => string
}

/** How a prompt's `company` argument names the company in the tools' arguments. */
const companyRef = (company: string) => {
  if (company.startsWith("comp_")) return JSON.stringify({ company_id: company })
  const at = company.indexOf("=")
  return JSON.stringify({
    keys: at > 0 ? { [company.slice(0, at)]: company.slice(at + 1) } : { stripe_customer_id: company }
  })
}

const company = {
  name: "company",
  description: 'The company: its id (comp_...), a Stripe customer id (cus_...), or key=value (e.g. "crm_id=42")',
  required: true
}

export const all: ReadonlyArray<PromptDefinition> = [
  {
    name: "review-account",
    title: "Review an account before a renewal call",
    description: "What a company pays, uses and is entitled to, and what to raise on the call",
    arguments: [company],
    tools: [
      "get-company",
      "get-company-billing",
      "get-feature-usage",
      "list-company-credits",
      "list-company-overrides"
    ],
    render: (args) =>
      [
        `Prepare me for a renewal call with the company ${companyRef(args.company ?? "")} (name it by these arguments in each tool).`,
        "1. get-company-billing: its plan, subscription status and period, trial, what it pays a month (mrr, minor units).",
        "2. get-company: its entitlements; get-feature-usage: usage against each limit this period.",
        "3. list-company-credits: credit balances and what expires soon; list-company-overrides: special terms it has.",
        "Then write a brief: who they are and what they pay, what they use most and how close to each limit, overrides",
        "and credits that end soon, and two or three points to raise (an upgrade where usage is near a limit, a trial or",
        "overrides that end). Quote the figures you read; say what you could not find."
      ].join("\n")
  },
  {
    name: "limit-outreach",
    title: "Find who is about to hit a limit, and draft the outreach",
    description: "The companies near a feature's limit, with a note to each about upgrading",
    arguments: [
      { name: "feature_key", description: 'The feature\'s flag key, e.g. "api-calls"', required: true },
      { name: "min_usage_percent", description: "How close to the limit, in percent (default 80)", required: false }
    ],
    tools: ["find-companies-near-limit", "get-company-billing", "list-plans"],
    render: (args) =>
      [
        `Find the companies that have used at least ${args.min_usage_percent ?? "80"}% of their ${args.feature_key ?? ""} limit`,
        `this period: find-companies-near-limit {"feature_key": "${args.feature_key ?? ""}", "min_usage_percent": ${Number(args.min_usage_percent ?? 80) || 80}}.`,
        "For the five closest, get-company-billing (their plan, what they pay, when the period resets), and list-plans",
        '{"detail": "full"} to find the plan or add-on that grants more of it and its price.',
        "Then draft a short, friendly note to each: their usage and limit, when it resets, and the upgrade that fits,",
        "with its price. List the companies you skipped and why."
      ].join("\n")
  },
  {
    name: "usage-not-showing",
    title: 'Investigate "my usage is not showing"',
    description: "Follow a customer's usage from the event to its entitlement, and say where it stops",
    arguments: [
      company,
      {
        name: "event",
        description: "The event's idempotency key or id if known, else its name (e.g. api-call)",
        required: false
      }
    ],
    tools: [
      "get-event",
      "get-event-delivery-status",
      "list-dead-letter-events",
      "check-entitlement",
      "get-feature-usage"
    ],
    render: (args) =>
      [
        `A customer says usage is not showing for the company ${companyRef(args.company ?? "")}${args.event ? ` (event: ${args.event})` : ""}.`,
        "1. If you have the event's key or id: get-event. It says whether it is still on its way, dead-lettered, or",
        "   what Schematic made of it (failed: why, and what to do).",
        "2. get-event-delivery-status: is delivery flowing, is anything stuck or failing? list-dead-letter-events if any.",
        "3. get-feature-usage for the company: does the usage appear against the feature its event name meters?",
        "   check-entitlement for that feature: what an app is told now.",
        "Say where the usage stops (not sent, not delivered, refused by Schematic, counted under another company or",
        "event name) and the fix, with the tool call that makes it."
      ].join("\n")
  }
]

/** A prompt as `prompts/list` shows it. */
export const listed = (prompt: PromptDefinition): Prompt => ({
  name: prompt.name,
  title: prompt.title,
  description: prompt.description,
  arguments: prompt.arguments.map((argument) => ({ ...argument }))
})

/** A prompt rendered for `prompts/get`: one user message. */
export const rendered = (prompt: PromptDefinition, args: Readonly<Record<string, string>>): GetPromptResult => ({
  description: prompt.description,
  messages: [{ role: "user", content: { type: "text", text: prompt.render(args) } }]
})
