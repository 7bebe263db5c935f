//! The sensitivity library against closed forms.

mod priors;
