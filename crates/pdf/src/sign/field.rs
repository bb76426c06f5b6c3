//! Adding a signature field and its widget to the AcroForm and the page's annotations.

use lopdf::{Dictionary, Object, ObjectId};

use crate::error::{PdfError, Result};
use crate::page::{PageFrame, Rotation};
use crate::reader::Pdf;
use crate::sign::raw::Edit;
use crate::sign::update::Update;

/// Names of the signature fields already in the document.
pub fn signature_field_names(pdf: &Pdf) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(catalog) = pdf.catalog() else {
        return names;
    };
    let Some(form) = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|f| pdf.resolve(f).ok())
        .and_then(|f| f.as_dict().ok())
    else {
        return names;
    };
    let fields = form
        .get(b"Fields")
        .ok()
        .and_then(|f| pdf.resolve(f).ok())
        .and_then(|f| f.as_array().ok());
    for field in fields.into_iter().flatten() {
        if let Ok(Object::Dictionary(dict)) = pdf.resolve(field)
            && let Ok(name) = dict.get(b"T").and_then(Object::as_str)
        {
            names.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    names
}

/// A field name not yet used: `{prefix}{n}`.
pub fn fresh_name(pdf: &Pdf, prefix: &str) -> String {
    let taken = signature_field_names(pdf);
    (1..=taken.len() + 1)
        .map(|n| format!("{prefix}{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| prefix.to_owned())
}

/// Set the widget's `/Rect` for `rect`, given in `frame`'s visible, upright coordinates, and
/// its normal appearance `stream`. On a rotated page `/MK /R` records the counter-turn that the
/// appearance's `/Matrix` applies, so form editors that rebuild appearances keep it upright.
pub fn place_widget(widget: &mut Dictionary, frame: &PageFrame, rect: [f32; 4], stream: ObjectId) {
    widget.set(
        "Rect",
        Object::Array(frame.rect(rect).into_iter().map(Object::Real).collect()),
    );
    if frame.rotation != Rotation::Upright {
        let mut characteristics = Dictionary::new();
        characteristics.set("R", i64::from(frame.rotation.degrees()));
        widget.set("MK", Object::Dictionary(characteristics));
    }
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference(stream));
    widget.set("AP", Object::Dictionary(ap));
}

/// Register `field` (a merged field/widget dictionary already in the update) on `page` and in
/// the AcroForm, with `/SigFlags 3`.
pub fn attach_field(
    update: &mut Update<'_>,
    pdf: &Pdf,
    catalog_id: ObjectId,
    page: ObjectId,
    field: ObjectId,
) -> Result<()> {
    let reference = format!("{} {} R", field.0, field.1);
    update.edit(page, &[Edit::Append(b"Annots", reference.clone())])?;
    match pdf.catalog()?.get(b"AcroForm").ok() {
        None => {
            let mut dict = Dictionary::new();
            dict.set("Fields", Object::Array(vec![Object::Reference(field)]));
            dict.set("SigFlags", 3);
            let form = update.add(dict);
            update.edit(
                catalog_id,
                &[Edit::Set(b"AcroForm", format!("{} {} R", form.0, form.1))],
            )?;
        }
        Some(Object::Reference(form)) => update.edit(
            *form,
            &[
                Edit::Append(b"Fields", reference),
                Edit::Set(b"SigFlags", "3".into()),
            ],
        )?,
        Some(Object::Dictionary(_)) => update.edit(
            catalog_id,
            &[Edit::Nested(
                b"AcroForm",
                vec![
                    Edit::Append(b"Fields", reference),
                    Edit::Set(b"SigFlags", "3".into()),
                ],
            )],
        )?,
        Some(_) => return Err(PdfError::Malformed("/AcroForm is not a dictionary".into())),
    }
    Ok(())
}
