// An organization's SCIM configuration: the endpoint, the token (shown once, at enable and
// at rotation), delete, and how to point Entra ID and Okta at it.
import { useState } from 'preact/hooks'
import { api, ApiFailure, get, type Json } from '../api'
import { useSession } from '../session'
import { Action, CopyButton, Show, useLoad, When } from '../ui'
import type { ScimConfiguration } from '../../server/organizations/store'
import type { OrgPage } from './organization'

type Configuration = Json<ScimConfiguration> & { endpointUrl: string }

export const Scim: OrgPage = ({ org }) => {
  const { scimEndpoint } = useSession()
  const [token, setToken] = useState<{ value: string; why: string }>()
  const conf = useLoad(
    () =>
      get<Configuration>(`/organizations/${org.id}/scim-configuration`).catch((e) => {
        if (e instanceof ApiFailure && e.status === 404) return null
        throw e
      }),
    [org.id],
  )
  return (
    <section>
      <h2>SCIM</h2>
      <div class="card">
        <p>
          <span class="label">Endpoint (tenant URL)</span>
        </p>
        <div class="copy-row">
          <code data-testid="endpoint">{scimEndpoint}</code>
          <CopyButton text={scimEndpoint} label="Copy URL" />
        </div>
      </div>
      {token && (
        <div class="banner secret" role="status">
          <strong>{token.why}</strong>
          <p>
            Copy it now into your identity provider: it is shown once, stored only as a hash, and cannot be read again. If you lose it, rotate it.
          </p>
          <div class="copy-row">
            <code class="secret-value" data-testid="secret">{token.value}</code>
            <CopyButton text={token.value} label="Copy token" />
          </div>
        </div>
      )}
      <Show loaded={conf}>
        {(c) =>
          c === null ? (
            <div class="card">
              <p>
                SCIM is <strong>off</strong>: identity providers cannot push users to this organization.
              </p>
              <Action
                run={async () => {
                  const created = await api<{ token: string }>('POST', `/organizations/${org.id}/scim-configuration`)
                  setToken({ value: created.token, why: 'SCIM is on. This is its bearer token.' })
                  conf.reload()
                }}
              >
                Enable SCIM
              </Action>
            </div>
          ) : (
            <div class="card">
              <p>
                SCIM is <strong>on</strong>: enabled <When at={c.createdAt} />
                {c.rotatedAt && (
                  <>
                    ; token rotated <When at={c.rotatedAt} />
                  </>
                )}
                .
              </p>
              <div class="row">
                <Action
                  run={async () => {
                    const rotated = await api<{ token: string }>('POST', `/organizations/${org.id}/scim-configuration/token`)
                    setToken({ value: rotated.token, why: 'New token. The old one stopped working just now.' })
                    conf.reload()
                  }}
                  confirm={{
                    title: 'Rotate the SCIM token?',
                    body: <p>The current token stops working at once: your identity provider fails until you paste the new one into it.</p>,
                    yes: 'Rotate token',
                  }}
                >
                  Rotate token
                </Action>
                <Action
                  danger
                  run={async () => {
                    await api('DELETE', `/organizations/${org.id}/scim-configuration`)
                    setToken(undefined)
                    conf.reload()
                  }}
                  confirm={{
                    title: 'Delete the SCIM configuration?',
                    body: (
                      <>
                        <p>The token stops working at once: your identity provider's provisioning fails until SCIM is enabled again with a new token.</p>
                        <p>The users and groups it created stay, as they are now: nothing is deactivated or deleted.</p>
                      </>
                    ),
                    yes: 'Delete SCIM configuration',
                  }}
                >
                  Delete
                </Action>
              </div>
            </div>
          )
        }
      </Show>
      <Setup endpoint={scimEndpoint} />
    </section>
  )
}

function Setup({ endpoint }: { endpoint: string }) {
  const entra = `${endpoint}?aadOptscim062020`
  return (
    <div class="setup">
      <details>
        <summary>Set up Microsoft Entra ID</summary>
        <ol>
          <li>Entra admin center → Enterprise applications → New application → Create your own application (non-gallery).</li>
          <li>Provisioning → Provisioning Mode: Automatic.</li>
          <li>
            Tenant URL: <code>{entra}</code> <CopyButton text={entra} label="Copy" />
            <br />
            <small>
              Keep the <code>?aadOptscim062020</code> flag: without it Entra sends PATCH requests that break the SCIM standard (booleans as strings, no
              member removal by filter).
            </small>
          </li>
          <li>Secret Token: the token shown when you enabled SCIM or rotated it. Then Test Connection, Save, and start provisioning.</li>
          <li>Entra pushes changes every 40 minutes; "Provision on demand" pushes one user at once.</li>
        </ol>
      </details>
      <details>
        <summary>Set up Okta</summary>
        <ol>
          <li>Okta admin → Applications → Create App Integration → SAML 2.0 or SWA, then General → Provisioning: SCIM.</li>
          <li>
            SCIM connector base URL: <code>{endpoint}</code> <CopyButton text={endpoint} label="Copy" />
          </li>
          <li>Unique identifier field for users: <code>userName</code>. Supported actions: Push New Users, Push Profile Updates, Push Groups.</li>
          <li>Authentication Mode: HTTP Header, Authorization: Bearer with the token. Test Connector Configuration, Save.</li>
          <li>To App: enable Create Users, Update User Attributes and Deactivate Users.</li>
        </ol>
      </details>
    </div>
  )
}
