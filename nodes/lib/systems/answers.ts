import { canonicalValidator, describeErrors } from "../canonical/validator";
import type { CanonicalObject } from "../canonical/types";
import { InputError } from "../errors";
import { compileMapping } from "../mapping/mapper";
import { findProfile, profileSchema, profileSource } from "../mapping/profiles";

/** Which call an answer belongs to: the canonical request's keys, so a flow can join them. */
export interface AnswerRequest {
  idempotencyKey: string;
  correlationId: string | null;
}

export interface AnswerMapper {
  readonly profile: string;
  /** The vendor's answer as canonical objects (none when the answer has nothing for the flow). */
  toCanonical(answer: unknown, request: AnswerRequest): Promise<CanonicalObject[]>;
}

/**
 * Compiles an operation's answer profile (an inbound profile) once. Every object it yields is
 * validated against the profile's schema: an answer the flow cannot trust is an error naming the
 * field and rule, not a message. The request's keys are visible to the mapping as $request.
 */
export function compileAnswers(profileId: string, bindings: Record<string, unknown>): AnswerMapper {
  const profile = findProfile(profileId);
  if (!profile) throw new Error(`answer profile ${profileId} is not in profiles.json`);
  const schema = profileSchema(profile);
  const mapper = compileMapping(profileSource(profile), profile.input);
  return {
    profile: profileId,
    async toCanonical(answer, request) {
      const mapped = await mapper.map(answer, { bindings: { ...bindings, request } });
      const list = mapped === undefined || mapped === null ? [] : Array.isArray(mapped) ? mapped : [mapped];
      const validator = canonicalValidator();
      for (const object of list) {
        const result = validator.validate(object, schema);
        if (!result.ok) throw new InputError(describeErrors(`answer (${profileId})`, result.errors), { rule: "schema" });
      }
      // A JSONata result may carry its sequence marker; plain JSON is what travels on.
      return JSON.parse(JSON.stringify(list)) as CanonicalObject[];
    },
  };
}
