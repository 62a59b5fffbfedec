/** Who a call is for, as the gateway's caller token names them. */
export interface Caller {
  userId: string
  isAdmin: boolean
}
