/**
 * Recognises FHIR RESTful API requests (HL7 FHIR R4/R5 "RESTful API", http.html §3.1.0) from their
 * method, path and media types: which resource type and which interaction. Only names from the
 * specification's fixed vocabularies come out; logical ids, version ids and search parameter values
 * never do, and the path handed back for `http.path` has every id position replaced by `{id}`.
 */

/** Resource types of FHIR R4 (4.0.1) and R5 (5.0.0), the union: a path segment is a type only if listed. */
export const FHIR_RESOURCE_TYPES: ReadonlySet<string> = new Set(
  (
    'Account ActivityDefinition ActorDefinition AdministrableProductDefinition AdverseEvent AllergyIntolerance Appointment ' +
    'AppointmentResponse ArtifactAssessment AuditEvent Basic Binary BiologicallyDerivedProduct BiologicallyDerivedProductDispense ' +
    'BodyStructure Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Citation Claim ' +
    'ClaimResponse ClinicalImpression ClinicalUseDefinition CodeSystem Communication CommunicationRequest CompartmentDefinition ' +
    'Composition ConceptMap Condition ConditionDefinition Consent Contract Coverage CoverageEligibilityRequest ' +
    'CoverageEligibilityResponse DetectedIssue Device DeviceAssociation DeviceDefinition DeviceDispense DeviceMetric DeviceRequest ' +
    'DeviceUsage DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter ' +
    'EncounterHistory Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceReport ' +
    'EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag FormularyItem GenomicStudy Goal GraphDefinition ' +
    'Group GuidanceResponse HealthcareService ImagingSelection ImagingStudy Immunization ImmunizationEvaluation ' +
    'ImmunizationRecommendation ImplementationGuide Ingredient InsurancePlan InventoryItem InventoryReport Invoice Library Linkage ' +
    'List Location ManufacturedItemDefinition Measure MeasureReport Media Medication MedicationAdministration MedicationDispense ' +
    'MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct MedicinalProductAuthorization ' +
    'MedicinalProductContraindication MedicinalProductDefinition MedicinalProductIndication MedicinalProductIngredient ' +
    'MedicinalProductInteraction MedicinalProductManufactured MedicinalProductPackaged MedicinalProductPharmaceutical ' +
    'MedicinalProductUndesirableEffect MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionIntake NutritionOrder ' +
    'NutritionProduct Observation ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation ' +
    'PackagedProductDefinition Parameters Patient PaymentNotice PaymentReconciliation Permission Person PlanDefinition Practitioner ' +
    'PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse RegulatedAuthorization RelatedPerson RequestGroup ' +
    'RequestOrchestration Requirements ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment ' +
    'RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition StructureMap ' +
    'Subscription SubscriptionStatus SubscriptionTopic Substance SubstanceDefinition SubstanceNucleicAcid SubstancePolymer ' +
    'SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery SupplyRequest Task ' +
    'TerminologyCapabilities TestPlan TestReport TestScript Transport ValueSet VerificationResult VisionPrescription'
  ).split(' '),
);

/** FHIR media types (R3+ `application/fhir+json|xml`; DSTU2 `application/json+fhir`, `application/xml+fhir`). */
const FHIR_MEDIA_TYPE = /^\s*application\/(?:fhir\+(?:json|xml|turtle)|(?:json|xml)\+fhir)\s*(?:;|$)/i;
/** http.html §3.1.0.4: `fhirVersion` parameter of the media type, e.g. `fhirVersion=4.0`. */
const FHIR_VERSION_PARAMETER = /;\s*fhirVersion\s*=\s*"?(\d{1,2}(?:\.\d{1,2}){0,2})"?/i;
/** FHIR `id` datatype: 1 to 64 of A-Z a-z 0-9 - . */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Segments scanned before giving up on finding a resource type (bases are short). */
const MAX_SEGMENTS = 16;

export interface FhirRequest {
  /** Resource type named by the path, or null (system-level interactions). */
  readonly resource: string | null;
  /** read, vread, update, patch, delete, history, create, search-type, search-compartment, search-system, capabilities, operation, batch/transaction. */
  readonly interaction: string | null;
  /** The target's path (no query) with every logical id and version id replaced by `{id}`. */
  readonly maskedPath: string;
}

export function isFhirMediaType(value: string | null): boolean {
  if (value === null) return false;
  for (const part of value.split(',')) if (FHIR_MEDIA_TYPE.test(part)) return true;
  return false;
}

/** The `fhirVersion` parameter of a FHIR media type in a Content-Type or Accept value, or null. */
export function fhirVersion(value: string | null): string | null {
  if (value === null) return null;
  for (const part of value.split(',')) {
    if (!FHIR_MEDIA_TYPE.test(part)) continue;
    const m = FHIR_VERSION_PARAMETER.exec(part);
    if (m !== null) return m[1];
  }
  return null;
}

/**
 * The FHIR reading of a request, or null when it is not FHIR-shaped. A path naming a resource type is
 * enough; system-level shapes (`metadata`, `_history`, `_search`, `$op`, a POST to the base) also need a
 * FHIR media type or a base path containing `fhir`, as those words are common elsewhere.
 */
export function classifyFhirRequest(method: string, target: string, contentType: string | null, accept: string | null): FhirRequest | null {
  let end = target.length;
  const q = target.indexOf('?');
  if (q >= 0) end = q;
  const h = target.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const hasQuery = q >= 0 && q + 1 < target.length;
  const path = target.slice(0, end);
  const mediaType = isFhirMediaType(contentType) || isFhirMediaType(accept);
  const segments = path.split('/');
  let typeAt = -1;
  for (let i = 1; i < segments.length && i <= MAX_SEGMENTS; i++) {
    if (FHIR_RESOURCE_TYPES.has(segments[i])) {
      typeAt = i;
      break;
    }
  }
  if (typeAt < 0) return systemLevel(method, segments, path, hasQuery, mediaType);
  const resource = segments[typeAt];
  const rest = segments.slice(typeAt + 1);
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  const masked = segments.slice(0, typeAt + 1);
  const result = (type: string | null, interaction: string | null): FhirRequest => ({ resource: type, interaction, maskedPath: masked.join('/') });
  if (rest.length === 0) {
    if (method === 'POST') return result(resource, 'create');
    if (method === 'GET' || method === 'HEAD') return result(resource, 'search-type');
    // Conditional update, patch and delete name their target by search parameters.
    if (hasQuery && (method === 'PUT' || method === 'PATCH' || method === 'DELETE')) return result(resource, interactionOf(method));
    return mediaType ? result(resource, null) : null;
  }
  const [first, second, third] = rest;
  if (first === '_search') {
    masked.push(first);
    return rest.length === 1 ? result(resource, 'search-type') : null;
  }
  if (first === '_history') {
    masked.push(first);
    return rest.length === 1 ? result(resource, 'history') : null;
  }
  if (first.startsWith('$')) {
    masked.push(operationName(first));
    return rest.length === 1 ? result(resource, 'operation') : null;
  }
  if (!FHIR_ID.test(first)) return null;
  masked.push('{id}');
  if (rest.length === 1) {
    const interaction = method === 'GET' || method === 'HEAD' ? 'read' : interactionOf(method);
    return interaction !== null ? result(resource, interaction) : null;
  }
  if (second === '_history') {
    masked.push(second);
    if (rest.length === 2) return result(resource, 'history');
    if (rest.length === 3 && FHIR_ID.test(third)) {
      masked.push('{id}');
      return result(resource, 'vread');
    }
    return null;
  }
  if (second.startsWith('$') && rest.length === 2) {
    masked.push(operationName(second));
    return result(resource, 'operation');
  }
  // Compartment search: [base]/Patient/[id]/Observation, or /* for every type.
  if (rest.length === 2 && (FHIR_RESOURCE_TYPES.has(second) || second === '*')) {
    masked.push(second);
    return result(second === '*' ? null : second, 'search-compartment');
  }
  return null;
}

function systemLevel(method: string, segments: string[], path: string, hasQuery: boolean, mediaType: boolean): FhirRequest | null {
  if (!mediaType && !/fhir/i.test(path)) return null;
  let last = segments.length - 1;
  if (last > 0 && segments[last] === '') last--;
  const tail = segments[last] ?? '';
  const base = segments.slice(0, last).join('/');
  const result = (interaction: string | null, tailText: string | null): FhirRequest => ({
    resource: null,
    interaction,
    maskedPath: tailText === null ? path : `${base}/${tailText}`,
  });
  if (tail === 'metadata' && (method === 'GET' || method === 'HEAD')) return result('capabilities', tail);
  if (tail === '_history') return result('history', tail);
  if (tail === '_search') return result('search-system', tail);
  if (tail.startsWith('$')) return result('operation', operationName(tail));
  if (!mediaType) return null;
  if (method === 'POST') return result('batch/transaction', null);
  if (method === 'GET' && hasQuery) return result('search-system', null);
  return result(null, null);
}

function interactionOf(method: string): string | null {
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return 'delete';
  return null;
}

/** `$everything`, `$validate`...: operation names are from the specification or an implementation guide. */
function operationName(segment: string): string {
  return /^\$[A-Za-z][A-Za-z0-9\-_.]{0,63}$/.test(segment) ? segment : '${op}';
}
