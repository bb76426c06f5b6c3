// The channel admin's catalog editor (PUT /api/v1/staff/catalog/…, channel_admin role).
import { api, type ApiClient } from './client'
import type { Help, ProductSettings, Project, ProjectKind, SubjectKind } from './deskTypes'

export interface ProjectInput {
  code: string
  name: string
  initial: string
  kind: ProjectKind
  help: Help
}

export interface ProductInput {
  code: string
  name: string
  subject_kind: SubjectKind
  ca: string
  profile: string
  settings: ProductSettings
  active: boolean
}

export function catalogAdminApi(client: ApiClient = api) {
  return {
    /**
     * The catalog as saved: every verification method (the public catalog hides those this
     * server cannot run) and the help links as typed.
     */
    projects: (): Promise<Project[]> => client.get('/api/v1/staff/catalog'),
    /** Creates or updates (by code) a project or channel. */
    saveProject: (input: ProjectInput): Promise<{ id: string }> => client.put('/api/v1/staff/catalog/projects', input),
    /** Creates or updates (by code) a product of the project `projectId`. */
    saveProduct: (projectId: string, input: ProductInput): Promise<{ id: string }> =>
      client.put(`/api/v1/staff/catalog/projects/${encodeURIComponent(projectId)}/products`, input),
  }
}

export const catalogAdmin = catalogAdminApi()
