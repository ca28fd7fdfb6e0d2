//! Reading internally tagged enums (`{"type": "welcome", "you": …}`) in
//! one pass, for the enums the browser reads.
//!
//! serde's own `#[serde(tag = "…")]` reads the whole object into an
//! untyped buffer first, because the tag could come last; the code for
//! that, per type, was a tenth of the WASM. Chatdrop's server always writes
//! the tag first (serde's serializer does), so the enums the browser reads
//! are declared with [`tag_first!`]: their `Deserialize` reads the tag, then
//! hands the rest of the same object to a derived, externally tagged
//! mirror of the enum. Serializing is unchanged. An object whose first key
//! is not the tag is refused with a clear error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, IgnoredAny, MapAccess, Unexpected,
    VariantAccess, Visitor,
};

/// An enum whose `Deserialize` reads its tag first; implemented by
/// [`tag_first!`].
pub trait TagFirst: Sized {
    /// The tag's key.
    const TAG: &'static str;
    /// The enum's name, for errors.
    const NAME: &'static str;
    /// Reads the variant named `variant` from the rest of the object.
    fn from_rest<'de, M: MapAccess<'de>>(rest: Rest<M>) -> Result<Self, M::Error>;
}

/// Reads `T` from an object whose first key is `T::TAG`.
pub fn deserialize<'de, D: Deserializer<'de>, T: TagFirst>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(TagFirstVisitor::<T>(PhantomData))
}

struct TagFirstVisitor<T>(PhantomData<T>);

impl<'de, T: TagFirst> Visitor<'de> for TagFirstVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} object starting with \"{}\"", T::NAME, T::TAG)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<T, M::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == T::TAG => {}
            _ => {
                return Err(M::Error::custom(format_args!(
                    "\"{}\" must come first",
                    T::TAG
                )))
            }
        }
        let variant: String = map.next_value()?;
        T::from_rest(Rest { variant, map })
    }
}

/// The rest of a tagged object, after its tag: an enum to a derived
/// `Deserialize`, whose variant's fields are the object's other keys.
pub struct Rest<M> {
    /// The tag's value: which variant.
    pub variant: String,
    /// The object's remaining entries.
    pub map: M,
}

impl<'de, M: MapAccess<'de>> Deserializer<'de> for Rest<M> {
    type Error = M::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, M::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, M: MapAccess<'de>> EnumAccess<'de> for Rest<M> {
    type Error = M::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), M::Error> {
        let variant = seed.deserialize(StrDeserializer::<M::Error>::new(&self.variant))?;
        Ok((variant, self))
    }
}

impl<'de, M: MapAccess<'de>> VariantAccess<'de> for Rest<M> {
    type Error = M::Error;

    fn unit_variant(mut self) -> Result<(), M::Error> {
        // Unknown keys are ignored, as serde does for structs.
        while self.map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, M::Error> {
        Err(de::Error::invalid_type(
            Unexpected::NewtypeVariant,
            &"a struct variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, M::Error> {
        Err(de::Error::invalid_type(
            Unexpected::TupleVariant,
            &"a struct variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, M::Error> {
        visitor.visit_map(self.map)
    }
}

/// Declares an enum serialized with `#[serde(tag = $tag, rename_all =
/// "snake_case")]` (which the declaration must carry, with `Serialize` but
/// not `Deserialize` in its derives) and implements a [`TagFirst`]
/// `Deserialize` for it. Variants are unit or struct variants.
macro_rules! tag_first {
    (
        tag = $tag:literal, remote = $remote:literal;
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vattr:meta])*
                $variant:ident $({
                    $( $(#[$fattr:meta])* $field:ident : $fty:ty ),* $(,)?
                })?
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis enum $name {
            $(
                $(#[$vattr])*
                $variant $({ $( $(#[$fattr])* $field: $fty ),* })?
            ),*
        }

        const _: () = {
            /// The same enum, externally tagged: what reads the fields.
            #[derive(serde::Deserialize)]
            #[serde(remote = $remote, rename_all = "snake_case")]
            #[allow(dead_code)]
            enum Mirror {
                $(
                    $(#[$vattr])*
                    $variant $({ $( $(#[$fattr])* $field: $fty ),* })?
                ),*
            }

            impl $crate::tagged::TagFirst for $name {
                const TAG: &'static str = $tag;
                const NAME: &'static str = $remote;
                fn from_rest<'de, M: serde::de::MapAccess<'de>>(
                    rest: $crate::tagged::Rest<M>,
                ) -> Result<Self, M::Error> {
                    Mirror::deserialize(rest)
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $crate::tagged::deserialize::<D, Self>(deserializer)
                }
            }
        };
    };
}
pub(crate) use tag_first;
