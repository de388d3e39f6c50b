// Core User schema, every attribute of RFC 7643 §4.1 with its §8.7.1 characteristics.
import { binary, bool, commonAttributes, complex, plural, ref, str } from './attribute'
import type { Schema } from './types'

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

const nameParts = complex(
  'name',
  [
    str('formatted', { description: 'The full name, formatted for display.', column: 'name_formatted' }),
    str('familyName', { description: 'The family name (last name).', column: 'name_family_name' }),
    str('givenName', { description: 'The given name (first name).', column: 'name_given_name' }),
    str('middleName', { description: 'The middle name(s).', column: 'name_middle_name' }),
    str('honorificPrefix', { description: 'The honorific prefix(es), e.g. "Ms.".', column: 'name_honorific_prefix' }),
    str('honorificSuffix', { description: 'The honorific suffix(es), e.g. "III".', column: 'name_honorific_suffix' }),
  ],
  { description: "The components of the user's name." },
)

const addresses = complex(
  'addresses',
  [
    str('formatted', { description: 'The full mailing address, formatted for display.' }),
    str('streetAddress', { description: 'The full street address component.' }),
    str('locality', { description: 'The city or locality component.' }),
    str('region', { description: 'The state or region component.' }),
    str('postalCode', { description: 'The zip code or postal code component.' }),
    str('country', { description: 'The country name component (ISO 3166-1 alpha-2).' }),
    str('type', { description: 'A label indicating the address function.', canonicalValues: ['work', 'home', 'other'] }),
    bool('primary', { description: 'Whether this is the primary address; at most one entry may be true.' }),
  ],
  { multiValued: true, description: 'Physical mailing addresses for this user.', column: 'addresses' },
)

// Read-only: membership is managed through the Group resource (RFC 7643 §4.1.2).
const groups = complex(
  'groups',
  [
    str('value', { mutability: 'readOnly', caseExact: true, description: 'The id of the group.' }),
    ref('$ref', ['User', 'Group'], { mutability: 'readOnly', description: 'The URI of the group.', resolvesTo: 'Group' }),
    str('display', { mutability: 'readOnly', description: 'The display name of the group.' }),
    str('type', { mutability: 'readOnly', description: 'How the membership was derived.', canonicalValues: ['direct', 'indirect'] }),
  ],
  { multiValued: true, mutability: 'readOnly', description: 'The groups the user belongs to.' },
)

export const userSchema: Schema = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    ...commonAttributes(),
    str('userName', {
      required: true,
      uniqueness: 'server',
      description: 'Unique identifier for the user, used to authenticate; unique per tenant, case-insensitively.',
      column: 'user_name',
    }),
    nameParts,
    str('displayName', { description: 'The name of the user, suitable for display.', column: 'display_name' }),
    str('nickName', { description: 'The casual way to address the user.', column: 'nick_name' }),
    ref('profileUrl', ['external'], { description: "A URI of the user's online profile.", column: 'profile_url' }),
    str('title', { description: "The user's title, e.g. \"Vice President\".", column: 'title' }),
    str('userType', { description: 'The relationship between the organization and the user.', column: 'user_type' }),
    str('preferredLanguage', { description: "The user's preferred written or spoken language (RFC 7231 Accept-Language).", column: 'preferred_language' }),
    str('locale', { description: "The user's default location, e.g. en-US.", column: 'locale' }),
    str('timezone', { description: "The user's time zone in IANA format, e.g. America/Los_Angeles.", column: 'timezone' }),
    bool('active', { description: "The user's administrative status.", column: 'active' }),
    str('password', { mutability: 'writeOnly', returned: 'never', description: "The user's cleartext password; never returned." }),
    { ...plural('emails', 'emails', 'Email addresses for the user.', ['work', 'home', 'other']), indexedValues: true },
    plural('phoneNumbers', 'phone_numbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    plural('ims', 'ims', 'Instant messaging addresses for the user.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    plural('photos', 'photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], ref('value', ['external'], { description: 'The URL of a photo of the user.' })),
    addresses,
    groups,
    plural('entitlements', 'entitlements', 'Entitlements of the user.', []),
    plural('roles', 'roles', 'Roles of the user.', []),
    plural('x509Certificates', 'x509_certificates', 'X.509 certificates issued to the user.', [], binary('value', { description: 'The base64 DER value of an X.509 certificate.' })),
  ],
}
