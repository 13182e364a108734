// The launch context of the Helm form tests (src/core/helm/*.test.ts): what Plateau would
// know when Jean launches a service in his own project, with every member charts read.
import { computeHelmForm, type HelmValuesContext } from "../helm/form.js";

/** What Plateau would know when Jean launches a service in his own project. */
export const context: HelmValuesContext = {
  user: { idep: "jdupont", name: "Jean Dupont", email: "jean.dupont@univ-rennes.fr", lang: "fr", darkMode: false, ip: "192.0.2.10" },
  project: { id: "user-jdupont", basename: "jdupont" },
  k8s: {
    domain: "lab.example.org",
    randomSubdomain: "482913",
    ingressClassName: "nginx",
    ingress: true,
    route: false,
    useCertManager: false,
    certManagerClusterIssuer: "",
    initScriptUrl: "https://lab.example.org/onyxia-init.sh",
  },
  region: {
    resources: { cpuRequest: "100m", cpuLimit: "4000m", memoryRequest: "2Gi", memoryLimit: "16Gi", disk: "20Gi", gpu: "1" },
    defaultNetworkPolicy: true,
    nodeSelector: { "lab.example.org/pool": "interactive" },
    tolerations: [{ key: "interactive", operator: "Exists", effect: "NoSchedule" }],
    from: [],
    startupProbe: { failureThreshold: 30 },
  },
  s3: {
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_SESSION_TOKEN: "token",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_S3_ENDPOINT: "s3.lab.example.org",
    pathStyleAccess: true,
    workingDirectoryPath: "jdupont/",
  },
  git: { name: "Jean Dupont", email: "jean.dupont@univ-rennes.fr", credentials_cache_duration: 3600, token: "" },
  service: { oneTimePassword: "k2f9q1x7" },
  ai: {
    enabled: true,
    activeProvider: {
      id: "p1",
      name: "Lab LLM",
      provider: "openai",
      apiBase: "https://llm.lab.example.org/v1",
      apiKey: "k",
      selectedModel: "m2",
      models: ["m1", "m2"],
    },
    providers: [
      { id: "p1", name: "Lab LLM", provider: "openai", apiBase: "https://llm.lab.example.org/v1", apiKey: "k", selectedModel: "m2", models: ["m1", "m2"] },
      { id: "p2", name: "Other", provider: "ollama", apiBase: "http://ollama:11434", apiKey: "", selectedModel: "x", models: ["x"] },
    ],
  },
};

/** A form from an inline schema with Onyxia's keywords. */
export const formOf = (properties: Record<string, unknown>, extra: Partial<Parameters<typeof computeHelmForm>[0]> = {}) =>
  computeHelmForm({ valuesSchema: { type: "object", properties }, context, ...extra });
