//! [`Erase::erase`]: type erasure for views, as `into_any()`, without the code
//! for lazy hydration.
//!
//! `IntoAny::into_any` stores a function pointer for every way a view can
//! be rendered, `hydrate_async` among them. That method exists for lazily
//! loaded routes, which Chatdrop doesn't have, but storing its pointer makes
//! the compiler keep an async copy of the hydration code of the whole
//! subtree: about a tenth of the WASM. [`Hydrate`] forwards everything to
//! the view it wraps except `hydrate_async`, where it keeps the trait's
//! default (hydrate synchronously, exactly what the page does anyway), so
//! the async copy is never built.

use leptos::prelude::*;
use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// `view.erase()`: `view.into_any()`, minus the async hydration path.
pub trait Erase {
    /// The view as an [`AnyView`].
    fn erase(self) -> AnyView;
}

impl<V: RenderHtml + 'static> Erase for V {
    fn erase(self) -> AnyView {
        Hydrate(self).into_any()
    }
}

/// A view that hydrates synchronously even when asked to hydrate
/// asynchronously; see the module's documentation.
pub struct Hydrate<V>(V);

impl<V: Render> Render for Hydrate<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: AddAnyAttr> AddAnyAttr for Hydrate<V> {
    type Output<SomeNewAttr: Attribute> = Hydrate<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        Hydrate(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for Hydrate<V> {
    type AsyncOutput = V::AsyncOutput;
    // Erasure erases `Owned`: it must stay wrapped.
    type Owned = Hydrate<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    async fn resolve(self) -> Self::AsyncOutput {
        self.0.resolve().await
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        Hydrate(self.0.into_owned())
    }
}
