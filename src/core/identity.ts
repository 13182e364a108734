/** Who asks: the author of the commit. `login` is the only personal datum written to git. */
export interface Requester {
  readonly login: string;
  readonly name: string;
  readonly email: string;
}
