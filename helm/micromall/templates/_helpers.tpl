{{/*
Names, labels, ports and the environment every Micromall process shares. Each kind of
object (Deployment, Service, HPA, PDB, NetworkPolicy) is written once, in
micromall.<kind>, and stamped out by a range over .Values.subgraphs plus the router.
*/}}

{{- define "micromall.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: <fullname>-<component>, e.g. shop-micromall-orders. */}}
{{- define "micromall.componentName" -}}
{{- printf "%s-%s" (include "micromall.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "micromall.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one component's pods (never change once installed). */}}
{{- define "micromall.selectorLabels" -}}
app.kubernetes.io/name: micromall
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Every object's labels. `part-of` is what the network policies call "a micromall pod". */}}
{{- define "micromall.labels" -}}
{{ include "micromall.selectorLabels" . }}
app.kubernetes.io/part-of: micromall
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "micromall.chart" .root }}
{{- end -}}

{{/* Matches every pod of this release, whatever its component. */}}
{{- define "micromall.releasePods" -}}
app.kubernetes.io/name: micromall
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "micromall.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "micromall.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "micromall.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
The port table (architecture.md, micromall_kit::config::PORT_TABLE): a subgraph listens on
subgraphPortBase + its place here, and serves /internal/* on internalPortBase + its place.
*/}}
{{- define "micromall.portTable" -}}
accounts catalog search inventory cart orders payments shipping reviews marketing insights
{{- end -}}

{{/* A subgraph's place in the port table; fails for a name the binary does not know. */}}
{{- define "micromall.offset" -}}
{{- $name := .name -}}
{{- $found := "" -}}
{{- range $i, $n := splitList " " (include "micromall.portTable" .root) -}}
{{- if eq $n $name -}}{{- $found = toString $i -}}{{- end -}}
{{- end -}}
{{- if eq $found "" -}}
{{- fail (printf "subgraphs.%s: not a Micromall subgraph (the port table has: %s)" $name (include "micromall.portTable" .root)) -}}
{{- end -}}
{{- $found -}}
{{- end -}}

{{- define "micromall.subgraphPort" -}}
{{- add .root.Values.subgraphPortBase (include "micromall.offset" .) -}}
{{- end -}}

{{- define "micromall.internalPort" -}}
{{- add .root.Values.internalPortBase (include "micromall.offset" .) -}}
{{- end -}}

{{/* The port a component serves HTTP on. */}}
{{- define "micromall.httpPort" -}}
{{- if eq .kind "router" -}}{{ .root.Values.router.port }}
{{- else if eq .kind "sandbox" -}}{{ .values.port }}
{{- else -}}{{ include "micromall.subgraphPort" . }}
{{- end -}}
{{- end -}}

{{/* Where one subgraph is reached inside the cluster. */}}
{{- define "micromall.subgraphUrl" -}}
{{- printf "http://%s:%s" (include "micromall.componentName" .) (include "micromall.subgraphPort" .) -}}
{{- end -}}

{{/* The Secret holding the JWT keys and the shared secrets. */}}
{{- define "micromall.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "micromall.fullname" .)) -}}
{{- end -}}

{{/* The Secret holding each subgraph's database URL under the subgraph's name. */}}
{{- define "micromall.databaseSecretName" -}}
{{- .Values.database.existingSecret | default (printf "%s-database" (include "micromall.fullname" .)) -}}
{{- end -}}

{{/*
Whether verifiers get the public key alone. Only when the chart generates the key pair
itself (no existingSecret, no keys in values) is there no public key: every process then
reads the private key and derives it (see values.yaml, secrets).
*/}}
{{- define "micromall.jwtPublicKey" -}}
{{- if or .Values.secrets.existingSecret .Values.secrets.jwtPublicKey -}}true{{- end -}}
{{- end -}}

{{/* An environment variable from a value or from a key of an existing Secret. */}}
{{- define "micromall.urlEnv" -}}
{{- if .conf.existingSecret }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .conf.existingSecret }}
      key: {{ .conf.existingSecretKey }}
{{- else if .conf.url }}
- name: {{ .env }}
  value: {{ .conf.url | quote }}
{{- end }}
{{- end -}}

{{/* What every Micromall process shares: logs, data directory, keys. */}}
{{- define "micromall.commonEnv" -}}
- name: MICROMALL_DATA_DIR
  value: /data
- name: MICROMALL_LOG_FORMAT
  value: {{ .root.Values.logFormat | quote }}
{{- if include "micromall.jwtPublicKey" .root }}
- name: MICROMALL_JWT_PUBLIC_KEY_FILE
  value: /secrets/jwt/jwt-public.pem
{{- end }}
{{- if or (eq .name "accounts") (not (include "micromall.jwtPublicKey" .root)) }}
- name: MICROMALL_JWT_PRIVATE_KEY_FILE
  value: /secrets/jwt/jwt-private.pem
{{- end }}
- name: MICROMALL_SERVICE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "micromall.secretName" .root }}
      key: service-secret
{{- end -}}

{{/* A subgraph's environment: its database, the shared servers, where the others are. */}}
{{- define "micromall.subgraphEnv" -}}
{{- $root := .root -}}
- name: MICROMALL_SUBGRAPH_HOST
  value: 0.0.0.0
- name: MICROMALL_SUBGRAPH_PORT_BASE
  value: {{ $root.Values.subgraphPortBase | quote }}
# /internal/* on its own port (conventions.md), and no longer on the HTTP port.
- name: MICROMALL_INTERNAL_PORT_BASE
  value: {{ $root.Values.internalPortBase | quote }}
- name: MICROMALL_TRUSTED_PROXIES
  value: {{ $root.Values.trustedProxies | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "micromall.databaseSecretName" $root }}
      key: {{ .name }}
{{- include "micromall.urlEnv" (dict "env" "REDIS_URL" "conf" $root.Values.redis) }}
{{- include "micromall.urlEnv" (dict "env" "NATS_URL" "conf" $root.Values.nats) }}
{{- if eq .name "search" }}
{{- include "micromall.urlEnv" (dict "env" "ELASTICSEARCH_URL" "conf" $root.Values.elasticsearch) }}
{{- end }}
{{- range $other, $sg := $root.Values.subgraphs }}
{{- if $sg.enabled }}
- name: MICROMALL_{{ $other | upper }}_URL
  value: {{ include "micromall.subgraphUrl" (dict "root" $root "name" $other) | quote }}
{{- end }}
{{- end }}
{{- if eq .name "payments" }}
- name: MICROMALL_SANDBOX_URL
  value: {{ printf "http://%s:%v" (include "micromall.componentName" (dict "root" $root "name" "sandbox-payments")) $root.Values.sandboxes.payments.port | quote }}
- name: MICROMALL_SANDBOX_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "micromall.secretName" $root }}
      key: sandbox-secret
{{- end }}
{{- if eq .name "shipping" }}
- name: MICROMALL_CARRIER_SANDBOX_URL
  value: {{ printf "http://%s:%v" (include "micromall.componentName" (dict "root" $root "name" "sandbox-carrier")) $root.Values.sandboxes.carrier.port | quote }}
- name: MICROMALL_CARRIER_SANDBOX_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "micromall.secretName" $root }}
      key: carrier-sandbox-secret
{{- end }}
{{- end -}}

{{/*
The supergraph the router serves: the chart's copy of schema/supergraph.graphql (composed by
`micromall compose --micromall`, subgraphs at their embedded addresses), each subgraph's URL
rewritten to its Service; or router.supergraph verbatim when set.
*/}}
{{- define "micromall.supergraph" -}}
{{- if .Values.router.supergraph -}}
{{- .Values.router.supergraph -}}
{{- else -}}
{{- $sdl := .Files.Get "files/supergraph.graphql" -}}
{{- if not $sdl -}}
{{- fail "files/supergraph.graphql is missing from the chart: copy schema/supergraph.graphql there" -}}
{{- end -}}
{{- $root := . -}}
{{- range $i, $name := splitList " " (include "micromall.portTable" .) -}}
{{- $embedded := printf "url: \"http://127.0.0.1:%d/graphql\"" (add 4001 $i) -}}
{{- $inCluster := printf "url: \"%s/graphql\"" (include "micromall.subgraphUrl" (dict "root" $root "name" $name)) -}}
{{- $sdl = replace $embedded $inCluster $sdl -}}
{{- end -}}
{{- $sdl -}}
{{- end -}}
{{- end -}}

{{/* Pod and container security: the image's unprivileged user, nothing writable but volumes. */}}
{{- define "micromall.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "micromall.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
Every component of the release, for the templates to range over: each enabled subgraph of
.Values.subgraphs, the router, and each enabled sandbox. A template gets a context of
root, name, kind (subgraph, router or sandbox), key (the sandbox's name in values) and
values (the component's own values).
*/}}
{{- define "micromall.components" -}}
{{- range $name, $v := .Values.subgraphs }}
{{- if $v.enabled }}
- name: {{ $name }}
  kind: subgraph
  key: {{ $name }}
  values: {{- toYaml $v | nindent 4 }}
{{- end }}
{{- end }}
- name: router
  kind: router
  key: router
  values: {{- toYaml (omit .Values.router "supergraph") | nindent 4 }}
{{- range $key, $v := .Values.sandboxes }}
{{- if $v.enabled }}
- name: sandbox-{{ $key }}
  kind: sandbox
  key: {{ $key }}
  values: {{- toYaml $v | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

