{{/* The release's full name: <release>-plateau, or the release's name when it holds "plateau". */}}
{{- define "plateau.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "plateau.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the pods: never changed by an upgrade (a Deployment's selector is immutable). */}}
{{- define "plateau.selectorLabels" -}}
app.kubernetes.io/name: {{ include "plateau.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "plateau.labels" -}}
{{ include "plateau.selectorLabels" . }}
app.kubernetes.io/component: server
app.kubernetes.io/part-of: plateau
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "plateau.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "plateau.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Where the pod mounts plateau.yaml, and its data directory (an emptyDir: each replica's own clone, ADR 0040). */}}
{{- define "plateau.configPath" -}}/etc/plateau/plateau.yaml{{- end -}}
{{- define "plateau.dataDir" -}}/var/lib/plateau{{- end -}}

{{/* The variables holding the forge's token and webhook secret: config.remote's names, else the chart's. */}}
{{- define "plateau.remoteTokenEnv" -}}
{{- dig "remote" "tokenEnv" "PLATEAU_GIT_TOKEN" .Values.config -}}
{{- end -}}
{{- define "plateau.webhookSecretEnv" -}}
{{- dig "remote" "webhookSecretEnv" "PLATEAU_GIT_WEBHOOK_SECRET" .Values.config -}}
{{- end -}}

{{/*
Plateau's configuration: the values' `config` object with what the chart decides set on a
copy of it, serialized once by toYaml (sorted keys: the same values give the same bytes).
*/}}
{{- define "plateau.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $_ := set $config "dataDir" (include "plateau.dataDir" .) -}}
{{- $_ := set $config "listen" (dict "host" "0.0.0.0" "port" (int .Values.port) "trustProxy" true) -}}
{{- $_ := set $config "shutdown" (dict "drainSeconds" .Values.shutdown.drainSeconds "graceSeconds" .Values.shutdown.graceSeconds) -}}
{{- if gt (int .Values.replicas) 1 -}}
{{- $replication := deepCopy (default (dict) $config.replication) -}}
{{- $_ := set $replication "enabled" true -}}
{{- $_ := set $config "replication" $replication -}}
{{- end -}}
{{- if and (not (hasKey $config "publicUrl")) (ne .Values.expose.kind "none") -}}
{{- $_ := set $config "publicUrl" (printf "https://%s" .Values.expose.host) -}}
{{- end -}}
{{- if $config.remote -}}
{{- $remote := deepCopy $config.remote -}}
{{- if .Values.remote.existingSecret -}}
{{- $_ := set $remote "tokenEnv" (include "plateau.remoteTokenEnv" .) -}}
{{- end -}}
{{- if .Values.remote.webhookSecret -}}
{{- $_ := set $remote "webhookSecretEnv" (include "plateau.webhookSecretEnv" .) -}}
{{- end -}}
{{- $_ := set $config "remote" $remote -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* An env entry from an existing Secret. */}}
{{- define "plateau.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name | quote }}
      key: {{ .ref.key | quote }}
{{- end -}}
