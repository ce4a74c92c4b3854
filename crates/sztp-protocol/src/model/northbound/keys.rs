//! `tenants/tenant/keystore`: asymmetric keys (public half only on the wire) and the
//! `generate` and `import` actions that create them.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Fields, ListEntry, MODULE, Out};
use crate::codec::{DecodeError, DecodeErrorKind as K};

/// One key as read (the private half never leaves the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsymmetricKey {
    /// Name (the key).
    pub name: String,
    /// Algorithm (`ecdsa-p256`, `rsa-2048`, …).
    pub algorithm: String,
    /// SubjectPublicKeyInfo (DER).
    pub public_key: Vec<u8>,
    /// When it was created.
    pub created_at: Option<OffsetDateTime>,
}

impl ListEntry for AsymmetricKey {
    const LIST: &'static str = "asymmetric-key";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let key = AsymmetricKey {
            name: f.required_string("name")?,
            algorithm: f.required_string("algorithm")?,
            public_key: f.binary("public-key")?.ok_or_else(|| f.missing("public-key", "is mandatory"))?,
            created_at: f.date_time("created-at")?,
        };
        f.finish()?;
        Ok(key)
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).put("algorithm", self.algorithm.as_str());
        o.binary("public-key", &self.public_key).date_time("created-at", self.created_at).done()
    }
}

/// The input of `generate` (a new key) or `import` (a PKCS#8 key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateKey {
    /// `generate`: a name and an algorithm (P-256 when absent).
    Generate {
        /// The key's name.
        name: String,
        /// Its algorithm.
        algorithm: Option<String>,
    },
    /// `import`: a name and a PKCS#8 private key (DER).
    Import {
        /// The key's name.
        name: String,
        /// PKCS#8 DER.
        private_key: Vec<u8>,
    },
}

impl CreateKey {
    /// The action's name.
    pub fn action(&self) -> &'static str {
        match self {
            CreateKey::Generate { .. } => "generate",
            CreateKey::Import { .. } => "import",
        }
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        match self {
            CreateKey::Generate { name, .. } | CreateKey::Import { name, .. } => name,
        }
    }

    /// Reads the input of `action` from `{"sztp-server:input": {…}}`.
    pub fn from_document(action: &str, document: &Value) -> Result<CreateKey, DecodeError> {
        let mut f = Fields::new(input_of(document)?, "input")?;
        let name = f.required_string("name")?;
        let create = if action == "generate" {
            CreateKey::Generate { name, algorithm: f.string("algorithm")? }
        } else {
            let private_key = f.binary("private-key")?;
            let private_key =
                private_key.ok_or_else(|| f.missing("private-key", "PKCS#8 DER, base64, is mandatory"))?;
            CreateKey::Import { name, private_key }
        };
        f.finish()?;
        Ok(create)
    }

    /// `{"sztp-server:input": {…}}`.
    pub fn document(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name());
        match self {
            CreateKey::Generate { algorithm, .. } => o.opt("algorithm", algorithm.clone()),
            CreateKey::Import { private_key, .. } => o.binary("private-key", private_key),
        };
        json!({ format!("{MODULE}:input"): o.done() })
    }
}

/// The output of `generate` and `import`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedKey {
    /// SubjectPublicKeyInfo (DER).
    pub public_key: Vec<u8>,
    /// The algorithm found in an imported key.
    pub algorithm: Option<String>,
}

impl CreatedKey {
    /// `{"sztp-server:output": {…}}`.
    pub fn document(&self) -> Value {
        let mut o = Out::default();
        o.binary("public-key", &self.public_key).opt("algorithm", self.algorithm.clone());
        json!({ format!("{MODULE}:output"): o.done() })
    }

    /// Reads a reply of either action.
    pub fn from_document(document: &Value) -> Result<CreatedKey, DecodeError> {
        let top = format!("{MODULE}:output");
        let v = document.get(&top).ok_or_else(|| DecodeError::new("/", K::Malformed, format!("no \"{top}\"")))?;
        let mut f = Fields::new(v, "output")?;
        let public_key = f.binary("public-key")?.ok_or_else(|| f.missing("public-key", "is mandatory"))?;
        let key = CreatedKey { public_key, algorithm: f.string("algorithm")? };
        f.finish()?;
        Ok(key)
    }
}

/// The `input` member of an action's body.
pub(crate) fn input_of(document: &Value) -> Result<&Value, DecodeError> {
    let top = format!("{MODULE}:input");
    document.get(&top).ok_or_else(|| DecodeError::new("/", K::Malformed, format!("the body must hold \"{top}\"")))
}
