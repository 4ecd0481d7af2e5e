import type { InputHTMLAttributes } from 'react'

type FieldProps = {
  name: string
  label: string
  error?: string
  hint?: string
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'name'>

/** A labelled input; an error is announced and tied to the input (aria-invalid, aria-describedby). */
export function Field({ name, label, error, hint, id, ...input }: FieldProps) {
  const inputId = id ?? `f-${name}`
  const errorId = `${inputId}-error`
  const hintId = `${inputId}-hint`
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <span id={hintId} className="muted">
          {hint}
        </span>
      ) : null}
      <input
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  )
}

type SelectProps = {
  name: string
  label: string
  error?: string
  options: { value: string; label: string }[]
  defaultValue?: string
  required?: boolean
  /** Needed when several forms on one page share a field name. */
  id?: string
}

export function SelectField({ name, label, error, options, defaultValue, required, id: given }: SelectProps) {
  const id = given ?? `f-${name}`
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  )
}

type TextAreaProps = {
  name: string
  label: string
  error?: string
  hint?: string
  defaultValue?: string
  rows?: number
  maxLength?: number
}

/** A labelled textarea, with error and hint tied to it like Field. */
export function TextAreaField({ name, label, error, hint, defaultValue, rows = 3, maxLength }: TextAreaProps) {
  const id = `f-${name}`
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={`${id}-hint`} className="muted">
          {hint}
        </span>
      ) : null}
      <textarea
        id={id}
        name={name}
        rows={rows}
        maxLength={maxLength}
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  )
}
