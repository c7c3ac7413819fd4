/**
 * How one input value is made canonical or private: IP address text to one form ({@link
 * com.cohortwatch.values.IpNormalizer}), ids to keyed pseudonyms ({@link
 * com.cohortwatch.values.Pseudonymizer}). Pure functions that ingestion and detection both use, so
 * neither of those packages depends on the other.
 */
package com.cohortwatch.values;
